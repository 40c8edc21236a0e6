import type { Storage } from '@google-cloud/storage';
import type { ObjectStore } from '@volback/core/driver';
import { createGcsStorage } from './gcs-client.js';
import { gcsDriverPlugin } from './plugin.js';
import { gcsObjectStore } from './gcs-store.js';

export { gcsConfig, DEFAULT_MAX_UPLOAD_BYTES, type GcsConfig, type GcsConfigInput } from './config.js';
export { createGcsStorage } from './gcs-client.js';
export { classifyGcsError } from './gcs-errors.js';
export { gcsDriverPlugin, gcsDriverPlugin as default } from './plugin.js';

/**
 * A GCS store for a host or a test, from untyped config validated as the plugin validates it.
 * `storage` replaces the SDK client the config would build (a test's own, pointed elsewhere).
 */
export function createGcsStore(config: unknown, options: { storage?: Storage } = {}): ObjectStore {
  const valid = gcsDriverPlugin.parseConfig(config);
  return gcsObjectStore(valid, options.storage ?? createGcsStorage(valid));
}
