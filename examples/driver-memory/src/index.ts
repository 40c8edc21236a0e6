import { defineStoreDriver, z, type ObjectStore } from '@volback/core/driver';
import { createMemoryStore } from './memory-store.js';

export { createMemoryStore } from './memory-store.js';

const stores = new Map<string, ObjectStore>();

/** The plugin: `memory://<name>` targets share one in-memory store per name. */
export default defineStoreDriver({
  id: 'memory',
  schemes: ['memory'],
  config: z.strictObject({ name: z.string().min(1).default('default').describe('Which in-memory store to use') }),
  url: { host: 'name' },
  createStore({ name }) {
    let store = stores.get(name);
    if (!store) stores.set(name, (store = createMemoryStore()));
    return store;
  },
});
