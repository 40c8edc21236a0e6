import type { BlobServiceClient } from '@azure/storage-blob';
import type { ObjectStore } from '@volback/core/driver';
import type { AzureConfig } from './config.js';
import { createAzureClient } from './azure-client.js';
import { azureObjectStore } from './azure-store.js';
import { resolveCredentials, type TokenCredential } from './credentials.js';

/** What a host may hand the driver besides its config. */
export interface AzureStoreOptions {
  /** Signs every request with Azure AD tokens (e.g. `new DefaultAzureCredential()` of @azure/identity); excludes a key, SAS or connection string. */
  credential?: TokenCredential;
  /** Replaces the client the config would build (a test's recorder); the config still names the account. */
  client?: BlobServiceClient;
  /** Where credentials left out of the config are looked for; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** A store on validated config: credentials resolved (config, then the host's token, then the environment), the client built. */
export function openAzureStore(config: AzureConfig, options: AzureStoreOptions): ObjectStore {
  const credentials = resolveCredentials(config, options.credential, options.env);
  const client = options.client ?? createAzureClient(config, credentials);
  return azureObjectStore(config, client, {
    account: credentials.account,
    credentials: credentials.describe,
    sdkRetries: config.maxTries > 1,
  });
}
