import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConformanceSuite } from '@volback/conformance';
import { createAzureStore } from '../src/index.js';
import { configFor, describeWithAzurite, rawClient } from './azurite.js';

describeWithAzurite('conformance', (server) => {
  // The backdoor talks to azurite with a plain client, not through the store under test.
  const raw = rawClient(server);
  defineConformanceSuite(
    { describe, it, expect, beforeAll, afterAll },
    {
      name: 'azure (azurite)',
      createStore: async () => createAzureStore(configFor(server)),
      backdoor: {
        listAll: async (container) => {
          const names: string[] = [];
          for await (const blob of raw.getContainerClient(container).listBlobsFlat()) names.push(blob.name);
          return names;
        },
        readRaw: async (container, name) => raw.getContainerClient(container).getBlobClient(name).downloadToBuffer(),
        // A plain Put Blob: the service stores the new bytes' MD5, so only the engine's own hashes see the change.
        writeRaw: async (container, name, data) => {
          await raw.getContainerClient(container).getBlockBlobClient(name).upload(data, data.byteLength);
        },
      },
      removeContainer: async (container) => {
        await raw.getContainerClient(container).deleteIfExists();
      },
    },
  );
});
