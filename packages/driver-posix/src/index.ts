export { createPosixStore, posixConfig, posixDriverPlugin, posixDriverPlugin as default, type PosixStoreConfig } from './plugin.js';
export { TEMP_FILE_PREFIX } from '@volback/core/driver';
