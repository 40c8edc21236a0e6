import { S3ObjectStore } from './s3-object-store.js';

export { S3ObjectStore } from './s3-object-store.js';
export type { S3ObjectStoreOptions } from './s3-object-store.js';
export { parseS3Config, s3ConfigFromUrl, s3ConfigSchema, S3_DEFAULTS } from './config.js';
export type {
  S3StoreConfig,
  S3ConfigSchema,
  S3ConfigPropertySchema,
  S3ServerSideEncryption,
  S3ChecksumMode,
} from './config.js';
export { createS3Client } from './s3-client.js';
export { mapS3Error } from './s3-errors.js';

/** Validates untyped config (see {@link parseS3Config}) and creates the store. */
export function createS3Store(config: unknown): S3ObjectStore {
  return new S3ObjectStore(config);
}

export { s3DriverPlugin } from './plugin.js';
export { s3DriverPlugin as default } from './plugin.js';
