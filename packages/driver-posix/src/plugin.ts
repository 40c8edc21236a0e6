import { defineDriverPlugin } from '@volback/core';
import { parsePosixConfig, posixConfigFromUrl, posixConfigSchema, type PosixStoreConfig } from './config.js';
import { PosixObjectStore } from './posix-object-store.js';

/** The plugin the loader finds through this package's `volback` manifest (`file:` targets). */
export const posixDriverPlugin = defineDriverPlugin<PosixStoreConfig>({
  id: 'posix',
  schemes: ['file'],
  configSchema: posixConfigSchema,
  parseConfig: parsePosixConfig,
  configFromUrl: (url) => posixConfigFromUrl(url),
  createStore: (config) => new PosixObjectStore(config),
});
