import { PosixObjectStore } from './posix-object-store.js';
import { parsePosixConfig } from './config.js';

export { PosixObjectStore } from './posix-object-store.js';
export { parsePosixConfig, posixConfigFromUrl, posixConfigSchema } from './config.js';
export type { PosixStoreConfig, ConfigSchema, ConfigPropertySchema } from './config.js';
export { TEMP_FILE_PREFIX } from './safe-names.js';

/** Validates untyped config (see {@link parsePosixConfig}) and creates the store. */
export function createPosixStore(config: unknown): PosixObjectStore {
  return new PosixObjectStore(parsePosixConfig(config));
}
export { posixDriverPlugin } from './plugin.js';
export { posixDriverPlugin as default } from './plugin.js';
