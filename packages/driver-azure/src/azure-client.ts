import { BlobServiceClient, StorageRetryPolicyType } from '@azure/storage-blob';
import type { AzureConfig } from './config.js';
import type { ResolvedCredentials } from './credentials.js';

/**
 * The SDK client for a validated config and its credentials: retries (exponential, `maxTries`
 * tries; stalls are the store's stall guard's) and checksums. The SDK's CRC64 "structured message"
 * bodies are turned off both ways: azurite and older service versions do not speak them, and
 * every upload carries our Content-MD5 instead, which the service checks.
 */
export function createAzureClient(config: AzureConfig, credentials: ResolvedCredentials): BlobServiceClient {
  return new BlobServiceClient(credentials.serviceUrl, credentials.credential, {
    retryOptions: {
      retryPolicyType: StorageRetryPolicyType.EXPONENTIAL,
      maxTries: config.maxTries,
      retryDelayInMs: config.retryDelayMs,
      maxRetryDelayInMs: config.maxRetryDelayMs,
    },
    keepAliveOptions: { enable: true },
    uploadContentChecksumAlgorithm: 'Customized',
    downloadContentChecksumAlgorithm: 'Customized',
  });
}
