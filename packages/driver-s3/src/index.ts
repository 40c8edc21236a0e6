import type { S3Client } from '@aws-sdk/client-s3';
import type { ObjectStore } from '@volback/core/driver';
import { createS3Client } from './s3-client.js';
import { s3DriverPlugin } from './plugin.js';
import { s3ObjectStore } from './s3-store.js';

export { s3Config, type S3Config, type S3ConfigInput } from './config.js';
export { createS3Client } from './s3-client.js';
export { classifyS3Error } from './s3-errors.js';
export { s3DriverPlugin, s3DriverPlugin as default } from './plugin.js';

/**
 * An S3 store for a host or a test, from untyped config validated as the plugin validates it.
 * `client` replaces the one the config would build (middleware, a test's recorder); the store's
 * `close` destroys it.
 */
export function createS3Store(config: unknown, options: { client?: S3Client } = {}): ObjectStore {
  const valid = s3DriverPlugin.parseConfig(config);
  return s3ObjectStore(valid, options.client ?? createS3Client(valid));
}
