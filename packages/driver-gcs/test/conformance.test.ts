import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConformanceSuite } from '@volback/conformance';
import { createGcsStore } from '../src/index.js';
import { configFor, describeWithEmulator, rawStorage } from './gcs-emulator.js';

describeWithEmulator('conformance', (server) => {
  // The backdoor talks to the emulator with a plain client, not through the store under test.
  const raw = rawStorage(server);
  defineConformanceSuite(
    { describe, it, expect, beforeAll, afterAll },
    {
      name: 'gcs (firebase emulator)',
      createStore: async () => createGcsStore(configFor(server)),
      backdoor: {
        listAll: async (bucket) => (await raw.bucket(bucket).getFiles())[0].map((f) => f.name),
        readRaw: async (bucket, name) => (await raw.bucket(bucket).file(name).download({ validation: false }))[0],
        writeRaw: async (bucket, name, data) => {
          await raw.bucket(bucket).file(name).save(Buffer.from(data), { resumable: false, validation: false });
        },
      },
    },
  );
});
