import { defineStoreDriver } from '@volback/core/driver';
import { s3Config } from './config.js';
import { createS3Client } from './s3-client.js';
import { s3ObjectStore } from './s3-store.js';

/** The plugin the loader finds through this package's `volback` manifest: `s3://bucket/key/prefix?field=value…` targets. */
export const s3DriverPlugin = defineStoreDriver({
  id: 's3',
  schemes: ['s3'],
  config: s3Config,
  url: { host: 'bucket', path: { field: 'keyPrefix', as: 'key' } },
  createStore: (config) => s3ObjectStore(config, createS3Client(config)),
});
