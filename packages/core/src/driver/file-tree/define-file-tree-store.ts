import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { BackendError, NotFoundError, type VolbackError } from '../../errors.js';
import type { ObjectStore } from '../../object-store.js';
import { defineObjectStore } from '../define-object-store.js';
import { posixLayout } from '../layouts.js';
import { errnoOf, isMissingErrno, storeErrors } from '../store-errors.js';
import { checkFileTreeRoot } from './check-file-tree-root.js';
import { TEMP_FILE_PREFIX, checkObjectName, containerSegments } from './file-tree-names.js';
import type { FileTreeEntry, FileTreeTransport } from './file-tree-transport.js';
import { UnflushedWrites } from './unflushed-writes.js';
import { walkFileTree } from './walk-file-tree.js';

/** Errnos of a filesystem that cannot fsync a directory: tolerated, as Cinder never syncs one. */
const NO_DIRECTORY_SYNC = new Set(['EINVAL', 'ENOTSUP', 'EISDIR']);

/** What a file-tree driver supplies: its transport and its settings (see `fileTreeConfigFields`). */
export interface FileTreeStoreOptions {
  /** Cinder's driver class written as each record's `service`. */
  readonly service: string;
  /** The directory holding every container (Cinder's `backup_posix_path`), as the transport names it. */
  readonly root: string;
  /** The root is a directory of this machine: nothing may be backed up from or restored into it. */
  readonly local?: boolean;
  /** Transfers the engine may run at once. */
  readonly maxConcurrency: number;
  /** Mode of every object file, exactly. */
  readonly fileMode: number;
  /** Mode of a container directory the store creates (the leaf only; one that exists is left alone). */
  readonly dirMode: number;
  /** Make each object and its directory durable before its put returns (or its container's flush, for `flushLater`). */
  readonly fsync: boolean;
  /** The driver's transport: the only part of a file-tree store that knows its protocol. */
  readonly fs: FileTreeTransport;
}

/**
 * A store in Cinder's posix/NFS layout on any filesystem-like transport: objects at
 * `<root>/<container>/<name>`, the default container `id[0:2]/id[2:4]/id`.
 *
 * Unlike Cinder, a put writes a temporary dot-file and renames it into place, so a crash never
 * leaves a partial object under its final name; listings hide the temporary files and
 * `removeIncompleteWrites` removes old ones. What ends up in the tree is the same files with
 * the same modes, so Cinder reads our backups and we read Cinder's.
 */
export function defineFileTreeStore(driverId: string, options: FileTreeStoreOptions): ObjectStore {
  const { root, fs, fileMode, fsync } = options;
  const errors = storeErrors(driverId);
  const unflushed = new UnflushedWrites();
  const containerDir = (container: string): string => posix.join(root, ...containerSegments(errors, container));
  const objectPath = (container: string, name: string): string => {
    checkObjectName(errors, name);
    return posix.join(containerDir(container), name);
  };
  /** `err` typed, where a missing path means the work cannot be done, not that an object is missing. */
  const cannot = (err: unknown, what: string): VolbackError => {
    const typed = errors.classify(err, what);
    return typed instanceof NotFoundError ? new BackendError(typed.message, false, { cause: err }) : typed;
  };
  const syncDirectory = (dir: string): Promise<void> =>
    fs.syncDirectory(dir).catch((err: unknown) => {
      if (!NO_DIRECTORY_SYNC.has(errnoOf(err) ?? '')) throw err;
    });

  return defineObjectStore(driverId, {
    service: options.service,
    layout: posixLayout(),
    maxConcurrency: options.maxConcurrency,
    ...(options.local === true ? { localRoot: root } : {}),

    async ensureContainer(container) {
      const dir = containerDir(container);
      let created: boolean;
      try {
        created = await fs.mkdirp(dir);
      } catch (err) {
        // A file in the way (ENOTDIR).
        throw cannot(err, `create container ${container} (${dir})`);
      }
      // Like Cinder, only a directory just created gets the mode; an existing one is left alone.
      if (created) await fs.chmod(dir, options.dirMode);
    },

    async put(container, key, data, { signal, flushLater }) {
      const path = objectPath(container, key);
      const dir = posix.dirname(path);
      const temp = posix.join(dir, `${TEMP_FILE_PREFIX}${randomBytes(8).toString('hex')}`);
      const later = fsync && flushLater;
      let renaming = false;
      try {
        await fs.writeNew(temp, data, { mode: fileMode, sync: fsync && !later });
        // Given up meanwhile: the object must not appear after its caller moved on.
        signal.throwIfAborted();
        renaming = true;
        await fs.rename(temp, path);
      } catch (err) {
        // EEXIST on creating: the temporary name was never ours to remove.
        if (renaming || errnoOf(err) !== 'EEXIST') await fs.unlink(temp).catch(() => undefined);
        if (isMissingErrno(err)) throw errors.notFound(`container ${JSON.stringify(container)} does not exist (${dir})`, err);
        throw err;
      }
      if (later) unflushed.add(container, dir, fs.syncFile(path).catch(unlessMissing));
      else if (fsync) await syncDirectory(dir);
    },

    async get(container, key, { allocate }) {
      const path = objectPath(container, key);
      try {
        return await fs.read(path, allocate);
      } catch (err) {
        // A directory under an object's name is not an object.
        if (isMissingErrno(err) || errnoOf(err) === 'EISDIR') {
          throw errors.notFound(`object ${JSON.stringify(key)} not found in container ${JSON.stringify(container)}`, err);
        }
        throw err;
      }
    },

    // Deleting what is not there succeeds, as Cinder's delete_object does. The container stays.
    delete: (container, key) => fs.unlink(objectPath(container, key)).catch(unlessMissing),

    async listPage(container, { prefix }) {
      const dir = containerDir(container);
      const entries = await fs.readdir(dir).catch((err: unknown) => {
        unlessMissing(err);
        return [];
      });
      return { names: entries.filter((e) => isObject(e) && e.name.startsWith(prefix)).map((e) => e.name) };
    },

    /**
     * Every directory below the root holding an object, as a `/`-separated path: those of
     * finished backups, and those an unfinished one left, so its orphans can be found and removed.
     */
    async listContainers({ signal }) {
      const found: string[] = [];
      await walkFileTree(fs, root, signal, (segments, entries) => {
        if (segments.length > 0 && entries.some(isObject)) found.push(segments.join('/'));
      });
      return found.sort();
    },

    async flush(container) {
      containerDir(container);
      // The container's directory vanished (ENOENT): what was put there is not durable.
      await unflushed.flush(container, syncDirectory).catch((err: unknown) => {
        throw cannot(err, `flush ${container}`);
      });
    },

    /**
     * The temporary files of puts a killed process never finished, last written before `before`:
     * no listing shows them, so nothing else ever would. A put in progress keeps writing its
     * file, so a grace period of minutes never touches one.
     */
    async removeIncompleteWrites(before, { signal, dryRun }) {
      const stale: string[] = [];
      await walkFileTree(fs, root, signal, async (segments, entries) => {
        // Puts write into containers only, never into the root itself.
        if (segments.length === 0) return;
        for (const e of entries) {
          if (e.kind !== 'file' || !e.name.startsWith(TEMP_FILE_PREFIX)) continue;
          const path = posix.join(root, ...segments, e.name);
          const info = await fs.stat(path).catch(() => null);
          if (info && info.mtimeMs < before.getTime()) stale.push(path);
        }
      });
      if (dryRun) return stale.length;
      for (const path of stale) {
        signal.throwIfAborted();
        await fs.unlink(path).catch(unlessMissing);
      }
      return stale.length;
    },

    check: () => checkFileTreeRoot(errors, fs, root),
    ...(fs.close ? { close: fs.close.bind(fs) } : {}),
  });
}

/** An entry a listing shows: a regular file that is not a temporary one. */
function isObject(entry: FileTreeEntry): boolean {
  return entry.kind === 'file' && !entry.name.startsWith(TEMP_FILE_PREFIX);
}

/** Rethrows `err` unless it says nothing is there, which needs nothing doing. */
function unlessMissing(err: unknown): void {
  if (!isMissingErrno(err)) throw err;
}
