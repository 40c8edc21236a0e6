import { defineDriverPlugin } from '@volback/core';
import { parseS3Config, s3ConfigFromUrl, s3ConfigSchema, type S3StoreConfig } from './config.js';
import { S3ObjectStore } from './s3-object-store.js';

/** The plugin the loader finds through this package's `volback` manifest (`s3:` targets). */
export const s3DriverPlugin = defineDriverPlugin<S3StoreConfig>({
  id: 's3',
  schemes: ['s3'],
  configSchema: s3ConfigSchema,
  parseConfig: parseS3Config,
  configFromUrl: (url) => s3ConfigFromUrl(url),
  createStore: (config) => new S3ObjectStore(config),
});
