import { ConfigError, defineDriverPlugin } from '@volback/core';
import { MemoryObjectStore } from './memory-store.js';

export { MemoryObjectStore } from './memory-store.js';

/** Config of the memory driver: `name` picks a store shared by every target of that name in the process. */
export interface MemoryDriverConfig {
  name: string;
}

const stores = new Map<string, MemoryObjectStore>();

/** The plugin: `memory://<name>` targets share one in-memory store per name. */
export default defineDriverPlugin<MemoryDriverConfig>({
  id: 'memory',
  schemes: ['memory'],
  configSchema: {
    type: 'object',
    properties: { name: { type: 'string', minLength: 1, description: 'Which in-memory store to use' } },
    required: ['name'],
    additionalProperties: false,
  },
  parseConfig(input: unknown): MemoryDriverConfig {
    const name = typeof input === 'object' && input !== null ? (input as { name?: unknown }).name : undefined;
    if (typeof name !== 'string' || name === '') throw new ConfigError('memory: config.name must be a non-empty string', 'name');
    return { name };
  },
  configFromUrl(url: URL): unknown {
    return { name: url.hostname || 'default' };
  },
  createStore(config: MemoryDriverConfig): MemoryObjectStore {
    let store = stores.get(config.name);
    if (!store) stores.set(config.name, (store = new MemoryObjectStore()));
    return store;
  },
});
