// Azure Blob: the tests' azurite (in memory), next to rclone's azureblob remote. rclone 1.60 (Debian)
// builds its URL as https://<account>.<endpoint>, so it cannot reach a path-style azurite on a port of
// our choosing with account + key; its `sas_url` takes the service URL whole, so it gets an account SAS.
import { createRequire } from 'node:module';
import { rclone } from '../rclone.mjs';

/** An account SAS for rclone (blob service; containers and blobs; read, write, delete, list, add, create), signed with the SDK the driver uses. */
function accountSas(account, key) {
  const sdk = createRequire(new URL('../../../packages/driver-azure/package.json', import.meta.url))('@azure/storage-blob');
  return sdk
    .generateAccountSASQueryParameters(
      {
        expiresOn: new Date(Date.now() + 24 * 3600_000),
        permissions: sdk.AccountSASPermissions.parse('rwdlac'),
        resourceTypes: sdk.AccountSASResourceTypes.parse('sco').toString(),
        services: sdk.AccountSASServices.parse('b').toString(),
      },
      new sdk.StorageSharedKeyCredential(account, key),
    )
    .toString();
}

/** @type {import('../remotes.mjs').BenchRemote} */
export default {
  name: 'azure',
  title: 'Azure Blob',
  server: { script: 'azurite', env: { VOLBACK_AZURITE_PORT: '10100' } },
  label: () => 'azurite 3.37.0 (in memory)',
  volback: (s, container) => ({
    url: `azure://${s.VOLBACK_TEST_AZURITE_ACCOUNT}/${container}?${new URLSearchParams({ endpoint: s.VOLBACK_TEST_AZURITE_ENDPOINT, createContainer: 'true' })}`,
    env: { AZURE_STORAGE_KEY: s.VOLBACK_TEST_AZURITE_KEY },
  }),
  reference: rclone((s) => ({
    type: 'azureblob',
    sas_url: `${s.VOLBACK_TEST_AZURITE_ENDPOINT}?${accountSas(s.VOLBACK_TEST_AZURITE_ACCOUNT, s.VOLBACK_TEST_AZURITE_KEY)}`,
  })),
  goals: { full: 1.5, restore: 1.2, rssMiB: 200 },
};
