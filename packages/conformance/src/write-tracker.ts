import { rmdir } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { ObjectStore } from '@volback/core';
import type { ConformanceTarget } from './runner.js';

/** The store under test, watched, and how to remove what the suite wrote through it. */
export interface TrackedStore {
  store: ObjectStore;
  /**
   * Deletes every object put through `store` that is still there, then hands each container it
   * was asked to create to `target.removeContainer`. Never lists and deletes whole containers:
   * on a bucket store the container is the user's bucket, which holds more than the suite's.
   */
  cleanUp(): Promise<void>;
}

/**
 * `store`, with every container it is asked to create and every object put and not deleted
 * through it remembered, so the suite leaves a live backend as it found it. The engine's writes
 * count too: the default driver is built on the tracked store.
 */
export function trackWrites(store: ObjectStore, target: ConformanceTarget): TrackedStore {
  const containers = new Set<string>();
  /** Names put and not deleted, by container. */
  const written = new Map<string, Set<string>>();
  const names = (container: string) => {
    let set = written.get(container);
    if (!set) written.set(container, (set = new Set()));
    return set;
  };
  const overrides: Partial<ObjectStore> = {
    ensureContainer: (container, opts) => {
      containers.add(container);
      return store.ensureContainer(container, opts);
    },
    putObject: (container, name, data, opts) => {
      // Remembered before the put: a put that fails half-way may still have left the object.
      names(container).add(name);
      return store.putObject(container, name, data, opts);
    },
    deleteObject: async (container, name, opts) => {
      await store.deleteObject(container, name, opts);
      written.get(container)?.delete(name);
    },
  };
  // A proxy, not a subclass: methods keep the real store as `this`, whatever state they keep.
  const tracked = new Proxy(store, {
    get(real, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof ObjectStore];
      const value: unknown = Reflect.get(real, prop, real);
      return typeof value === 'function' ? value.bind(real) : value;
    },
  });
  return {
    store: tracked,
    async cleanUp() {
      for (const [container, set] of written) {
        await Promise.all([...set].map((name) => store.deleteObject(container, name).catch(() => undefined)));
      }
      written.clear();
      const remove = target.removeContainer ?? (store.localRoot !== undefined ? emptyDirectoryRemover(store.localRoot) : undefined);
      for (const container of containers) await remove?.(container).catch(() => undefined);
    },
  };
}

/**
 * For a store of files under `root` whose containers are directories below it (Cinder's posix
 * layout): removes the container's directory and each parent left empty, up to `root`. Only
 * empty directories go (`rmdir` refuses others), and nothing outside `root`.
 */
function emptyDirectoryRemover(root: string): (container: string) => Promise<void> {
  const top = resolve(root);
  return async (container) => {
    let dir = resolve(join(top, container));
    // Below the root only: a container named `../x` is no directory of the store's.
    while (dir.startsWith(top + sep)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty, not there, or not ours to remove: stop here
      }
      dir = dirname(dir);
    }
  };
}
