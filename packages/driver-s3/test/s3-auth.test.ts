import { AuthError } from '@volback/core';
import { expect, it } from 'vitest';
import { S3ObjectStore } from '../src/index.js';
import { configFor, describeEachS3Server, freshStore, patternBytes } from './s3-servers.js';

// s3rver does not verify signatures, so a wrong secret can only be caught by Swift.
describeEachS3Server(
  'S3ObjectStore wrong secret key',
  (server) => {
    it('raises AuthError with a clear message on every kind of call', async () => {
      const good = await freshStore(server);
      const bad = new S3ObjectStore({ ...configFor(server), bucket: good.config.bucket, secretAccessKey: 'not-the-secret' });
      try {
        const bucket = good.config.bucket;
        await good.putObject(bucket, 'x', patternBytes(10));
        for (const call of [
          () => bad.putObject(bucket, 'y', patternBytes(10)),
          () => bad.getObject(bucket, 'x'),
          () => bad.listObjects(bucket, ''),
          () => bad.deleteObject(bucket, 'x'),
          () => bad.checkForSetupError(),
        ]) {
          const err = await call().catch((e: unknown) => e);
          expect(err).toBeInstanceOf(AuthError);
          expect((err as Error).message).toMatch(/^s3: S3 rejected the credentials: /);
        }
        // Nothing was deleted by the refused call.
        expect((await good.getObject(bucket, 'x')).byteLength).toBe(10);
      } finally {
        await good.close();
        await bad.close();
      }
    });
  },
  ['swift'],
);

describeEachS3Server('S3ObjectStore unknown access key', (server) => {
  it('raises AuthError', async () => {
    const store = new S3ObjectStore(configFor(server, { accessKeyId: 'NOSUCHKEY', secretAccessKey: 'whatever' }));
    try {
      const err = await store.checkForSetupError().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthError);
      const put = await store.putObject(store.config.bucket, 'x', patternBytes(3)).catch((e: unknown) => e);
      expect(put).toBeInstanceOf(AuthError);
      expect((put as Error).message).toMatch(/rejected the credentials.*(InvalidAccessKeyId|AccessDenied|HTTP 403)/);
    } finally {
      await store.close();
    }
  });
});
