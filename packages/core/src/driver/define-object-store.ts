import type { GetObjectOptions, ObjectStore, PutObjectOptions, StoreCallOptions } from '../object-store.js';
import { checkStoreName } from './store-names.js';
import { storeErrors, type StoreErrors } from './store-errors.js';
import type { ListPage, ListQuery, ObjectStoreDefinition, TransportCall } from './store-definition.js';
import { givenUpOnAbort } from './given-up-on-abort.js';
import { prefixOfMetadataObject } from '../cinder-names.js';
import { findMetadataNames } from './bucket/metadata-walk.js';
import { keyPrefixedListing } from './bucket/key-prefixed-listing.js';

/**
 * The engine's {@link ObjectStore}, built from a driver's {@link ObjectStoreDefinition}. Core does,
 * once for every driver:
 * - Cinder naming from the declared layout, and the layout's key prefix on every key;
 * - name checks before any call (empty, NUL, `.`/`..`, `/` where the layout has none);
 * - the signal: an aborted call rejects with CancelledError at once, even while the transport
 *   is still busy; the transport gets the signal to stop its own work, and a late result is
 *   dropped (a late put's object belongs to a failed backup, which prune removes);
 * - listing every page with exactly the asked prefix, sorted, each name once;
 * - finding `_metadata` objects in the object-store layout without holding every name (walking, where the listing allows);
 * - typed errors that name the driver (`storeErrors`).
 */
export function defineObjectStore(driverId: string, def: ObjectStoreDefinition): ObjectStore {
  const errors = storeErrors(driverId);
  const { layout } = def;
  const keyOf = (name: string, container: string): string => {
    checkStoreName(errors, 'container', container, true);
    checkStoreName(errors, 'object', name, layout.slashInNames);
    return layout.keyPrefix + name;
  };
  const run = <T>(what: string, opts: StoreCallOptions | undefined, call: (signal: AbortSignal) => Promise<T>): Promise<T> =>
    givenUpOnAbort(errors, what, opts?.signal, async (signal) => {
      try {
        return await call(signal);
      } catch (err) {
        throw def.classifyError?.(err, what) ?? errors.classify(err, what);
      }
    });
  /** Every page of `query`, from its cursor when given. */
  const listAll = async (container: string, query: ListQuery, onPage: (page: ListPage) => void, signal: AbortSignal): Promise<void> => {
    let cursor = query.cursor;
    const seen = new Set<string>();
    for (;;) {
      const page = await def.listPage(container, cursor === undefined ? query : { ...query, cursor }, { signal });
      onPage(page);
      if (page.next === undefined) return;
      // A listing that hands back a cursor it gave before is going round: it would never end.
      if (seen.has(page.next)) {
        throw errors.backend(`LIST ${container}/${query.prefix}: the listing handed back a cursor it had already given`, false);
      }
      seen.add(page.next);
      cursor = page.next;
    }
  };
  /** The container's listing as the engine sees it: below the key prefix, exactly the asked prefix, every page. */
  const listingOf = (container: string, signal: AbortSignal) =>
    keyPrefixedListing(layout.keyPrefix, {
      page: (query: ListQuery) => def.listPage(container, query, { signal }),
      each: (query: ListQuery, onPage: (page: ListPage) => void) => listAll(container, query, onPage, signal),
    });
  // A listing with a delimiter and startAfter can be walked for `_metadata` objects (bucket/metadata-walk.ts).
  const walkable = def.listing?.delimiter === true && def.listing.startAfter === true;

  const store: ObjectStore = {
    driverId,
    serviceName: def.service,
    capabilities: { maxConcurrency: def.maxConcurrency },
    ...(def.localRoot === undefined ? {} : { localRoot: def.localRoot }),
    ...(layout.keyPrefix === '' ? {} : { keyPrefix: layout.keyPrefix.slice(0, -1) }),
    objectNamePrefix: (record) => layout.objectNamePrefix(record),
    containerFor: (backupId, requested) => layout.containerFor(backupId, requested),

    async ensureContainer(container, opts) {
      checkStoreName(errors, 'container', container, true);
      return run(`create container ${container}`, opts, (signal) => def.ensureContainer(container, { signal }));
    },
    async putObject(container, name, data, opts?: PutObjectOptions) {
      const key = keyOf(name, container);
      return run(`PUT ${container}/${key}`, opts, (signal) =>
        def.put(container, key, data, { signal, flushLater: opts?.flushLater === true }),
      );
    },
    async getObject(container, name, opts?: GetObjectOptions) {
      const key = keyOf(name, container);
      return run(`GET ${container}/${key}`, opts, (signal) => {
        const lend = opts?.allocate;
        const allocate = (length: number): Uint8Array => {
          // Once given up, the engine may hand its buffer to another read: no transport may write to it.
          if (signal.aborted) throw errors.cancelled(`GET ${container}/${key}`, signal.reason);
          return lend ? lend(length) : new Uint8Array(length);
        };
        return def.get(container, key, { signal, allocate });
      });
    },
    async deleteObject(container, name, opts) {
      const key = keyOf(name, container);
      return run(`DELETE ${container}/${key}`, opts, (signal) => def.delete(container, key, { signal }));
    },
    async listObjects(container, prefix, opts) {
      checkStoreName(errors, 'container', container, true);
      return run(`LIST ${container}/${layout.keyPrefix}${prefix}`, opts, async (signal) => {
        const names = new Set<string>();
        // Exactly the asked prefix: a store whose listing is looser never leaks other names in.
        await listingOf(container, signal).each({ prefix }, (page) => {
          for (const name of page.names) names.add(name);
        });
        return [...names].sort();
      });
    },
    checkForSetupError: () => run('check', undefined, () => (def.check ? def.check() : Promise.resolve())),
    close: () => (def.close ? def.close() : Promise.resolve()),
  };
  // A bucket lists `_metadata` objects apart from the data (by walking, where its listing allows).
  // A file tree's container is one directory read either way: there, hosts that see no
  // `listMetadataObjects` find unfinished backups' leftovers in the listing they made anyway.
  if (layout.kind === 'object-store') {
    store.listMetadataObjects = async (container, opts) => {
      checkStoreName(errors, 'container', container, true);
      return run(`LIST ${container}/${layout.keyPrefix} (_metadata objects)`, opts, async (signal) => {
        const listing = listingOf(container, signal);
        if (walkable) return findMetadataNames(listing, def.maxConcurrency);
        const names = new Set<string>();
        await listing.each({ prefix: '' }, (page) => {
          for (const name of page.names) if (prefixOfMetadataObject(name) !== null) names.add(name);
        });
        return [...names].sort();
      });
    };
  }
  if (def.flush) {
    const flush = def.flush.bind(def);
    store.flush = async (container, opts) => {
      checkStoreName(errors, 'container', container, true);
      return run(`flush ${container}`, opts, (signal) => flush(container, { signal }));
    };
  }
  if (def.listContainers) {
    const list = def.listContainers.bind(def);
    store.listContainers = (opts) => run('list containers', opts, (signal) => list({ signal }));
  }
  if (def.removeIncompleteWrites) {
    const remove = def.removeIncompleteWrites.bind(def);
    store.removeIncompleteWrites = (before, opts) =>
      run('remove incomplete writes', opts, (signal) => remove(before, { signal, dryRun: opts?.dryRun === true }));
  }
  return store;
}

export type { StoreErrors };
export type { TransportCall };
