import { AuthError } from '@volback/core/driver';
import { expect, it } from 'vitest';
import { configFor, describeEachS3Server, freshStore, seededBytes, storeOn } from './s3-servers.js';

// s3rver does not verify signatures, so a wrong secret can only be caught by Swift.
describeEachS3Server(
  's3 wrong secret key',
  (server) => {
    it('raises AuthError with a clear message on every kind of call', async () => {
      const { store: good, bucket } = await freshStore(server);
      const { store: bad } = storeOn({ ...configFor(server), bucket, secretAccessKey: 'not-the-secret' });
      try {
        await good.putObject(bucket, 'x', seededBytes(10));
        for (const call of [
          () => bad.putObject(bucket, 'y', seededBytes(10)),
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
        await good.close?.();
        await bad.close?.();
      }
    });
  },
  ['swift'],
);

describeEachS3Server('s3 unknown access key', (server) => {
  it('raises AuthError', async () => {
    const { store, bucket } = storeOn(configFor(server, { accessKeyId: 'NOSUCHKEY', secretAccessKey: 'whatever' }));
    try {
      const err = await store.checkForSetupError().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthError);
      const put = await store.putObject(bucket, 'x', seededBytes(3)).catch((e: unknown) => e);
      expect(put).toBeInstanceOf(AuthError);
      expect((put as Error).message).toMatch(/rejected the credentials.*(InvalidAccessKeyId|AccessDenied|HTTP 403)/);
    } finally {
      await store.close?.();
    }
  });
});
