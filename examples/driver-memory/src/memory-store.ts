import { defineObjectStore, objectStoreLayout, storeErrors, type ObjectStore } from '@volback/core/driver';

const errors = storeErrors('memory');
/** Names a listing page holds: small, so the suite's listings span pages. */
const PAGE_SIZE = 100;

/**
 * A store kept in process memory, in Cinder's object-store layout: the whole transport a driver
 * writes. Every stored array is a private copy, so callers cannot change stored data by mistake.
 */
export function createMemoryStore(): ObjectStore {
  const containers = new Map<string, Map<string, Uint8Array>>();
  return defineObjectStore('memory', {
    service: 'volback.drivers.memory.MemoryBackupDriver',
    layout: objectStoreLayout({ availabilityZone: 'nova', defaultContainer: 'backups' }),
    maxConcurrency: 8,
    async ensureContainer(container) {
      if (!containers.has(container)) containers.set(container, new Map());
    },
    async put(container, key, data) {
      const objects = containers.get(container);
      if (!objects) throw errors.notFound(`container ${container} does not exist`);
      objects.set(key, new Uint8Array(data)); // a copy: Buffer.slice would share memory
    },
    async get(container, key) {
      const data = containers.get(container)?.get(key);
      if (!data) throw errors.notFound(`no object ${key} in container ${container}`);
      return new Uint8Array(data);
    },
    async delete(container, key) {
      containers.get(container)?.delete(key);
    },
    async listPage(container, { prefix, cursor }) {
      const names = [...(containers.get(container)?.keys() ?? [])].filter((k) => k.startsWith(prefix)).sort();
      const from = cursor === undefined ? 0 : Number(cursor);
      const end = from + PAGE_SIZE;
      return end < names.length ? { names: names.slice(from, end), next: String(end) } : { names: names.slice(from) };
    },
    async listContainers() {
      return [...containers.keys()].sort();
    },
  });
}
