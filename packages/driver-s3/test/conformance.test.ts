import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConformanceSuite } from '@volback/conformance';
import plugin, { createS3Client, createS3Store } from '../src/index.js';
import { configFor, describeEachS3Server } from './s3-servers.js';

describeEachS3Server('conformance', (server) => {
  // The backdoor talks to the server with a plain client, not through the store under test.
  const raw = createS3Client(plugin.parseConfig(configFor(server)));
  defineConformanceSuite(
    { describe, it, expect, beforeAll, afterAll },
    {
      name: `s3 (${server.label})`,
      createStore: async () => createS3Store(configFor(server)),
      backdoor: {
        listAll: async (bucket) => {
          const names: string[] = [];
          let token: string | undefined;
          do {
            const page = await raw.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
            for (const o of page.Contents ?? []) if (o.Key) names.push(o.Key);
            token = page.NextContinuationToken;
          } while (token);
          return names;
        },
        readRaw: async (bucket, name) => (await raw.send(new GetObjectCommand({ Bucket: bucket, Key: name }))).Body!.transformToByteArray(),
        writeRaw: async (bucket, name, data) => {
          await raw.send(new PutObjectCommand({ Bucket: bucket, Key: name, Body: data }));
        },
      },
      cleanup: async () => raw.destroy(),
    },
  );
});
