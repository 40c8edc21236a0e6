import type { ObjectStore } from '@volback/core/driver';
import { azureDriverPlugin } from './plugin.js';
import { type AzureStoreOptions, openAzureStore } from './open-store.js';

export { azureConfig, type AzureConfig, type AzureConfigInput } from './config.js';
export { createAzureClient } from './azure-client.js';
export { classifyAzureError, type ErrorContext } from './azure-errors.js';
export { resolveCredentials, type Env, type ResolvedCredentials, type TokenCredential } from './credentials.js';
export type { AzureStoreOptions } from './open-store.js';
export { azureDriverPlugin, azureDriverPlugin as default } from './plugin.js';

/**
 * An Azure store for a host or a test, from untyped config validated as the plugin validates it.
 * `options.credential` signs with a TokenCredential (Azure AD) instead of a key or SAS token.
 */
export function createAzureStore(config: unknown, options: AzureStoreOptions = {}): ObjectStore {
  return openAzureStore(azureDriverPlugin.parseConfig(config), options);
}
