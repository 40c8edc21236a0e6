import type { ObjectStoreDefinition } from '../src/driver.js';

/** The transport calls of a store kept in one map of container to keys, for kit-built stores in tests. */
export function createMemoryTransport(): Pick<ObjectStoreDefinition, 'ensureContainer' | 'put' | 'get' | 'delete' | 'listPage'> {
  const containers = new Map<string, Map<string, Uint8Array>>();
  const objects = (container: string): Map<string, Uint8Array> => {
    let found = containers.get(container);
    if (!found) containers.set(container, (found = new Map()));
    return found;
  };
  return {
    async ensureContainer(container) {
      objects(container);
    },
    async put(container, key, data) {
      objects(container).set(key, new Uint8Array(data));
    },
    async get(container, key) {
      const data = containers.get(container)?.get(key);
      if (!data) throw Object.assign(new Error(`no ${key}`), { code: 'ENOENT' });
      return new Uint8Array(data);
    },
    async delete(container, key) {
      containers.get(container)?.delete(key);
    },
    async listPage(container, { prefix }) {
      return { names: [...objects(container).keys()].filter((k) => k.startsWith(prefix)).sort() };
    },
  };
}
