import { defineStoreDriver } from '@volback/core/driver';
import { gcsConfig } from './config.js';
import { createGcsStorage } from './gcs-client.js';
import { gcsObjectStore } from './gcs-store.js';

/** The plugin the loader finds through this package's `volback` manifest: `gs://bucket/name/prefix?field=value…` targets. */
export const gcsDriverPlugin = defineStoreDriver({
  id: 'gcs',
  schemes: ['gs'],
  config: gcsConfig,
  url: { host: 'bucket', path: { field: 'keyPrefix', as: 'key' } },
  createStore: (config) => gcsObjectStore(config, createGcsStorage(config)),
});
