import { defineStoreDriver } from '@volback/core/driver';
import { azureConfig } from './config.js';
import { openAzureStore } from './open-store.js';

/**
 * The plugin the loader finds through this package's `volback` manifest:
 * `azure://<account>/<container>[/<key/prefix>]?endpoint=<url>&field=value…` targets.
 */
export const azureDriverPlugin = defineStoreDriver({
  id: 'azure',
  schemes: ['azure'],
  config: azureConfig,
  url: { host: 'account', path: { field: 'container', as: 'key' } },
  createStore: (config) => openAzureStore(config, {}),
});
