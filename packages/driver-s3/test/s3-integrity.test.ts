import { createHash } from 'node:crypto';
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FinalizeRequestMiddleware, MetadataBearer } from '@smithy/types';
import { hasErrorCode, NotFoundError } from '@volback/core/driver';
import { expect, it } from 'vitest';
import { describeEachS3Server, freshStore, seededBytes } from './s3-servers.js';

const MiB = 1024 * 1024;
const b64md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('base64');

interface SentRequest {
  command: string;
  headers: Record<string, string>;
  body: Uint8Array | undefined;
}

/** Records every request as it leaves the client, after signing. */
function recordRequests(client: S3Client): SentRequest[] {
  const sent: SentRequest[] = [];
  const mw: FinalizeRequestMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const request = args.request as { headers: Record<string, string>; body?: unknown };
    const body =
      request.body instanceof Uint8Array ? request.body : typeof request.body === 'string' ? Buffer.from(request.body) : undefined;
    sent.push({ command: context.commandName ?? '?', headers: { ...request.headers }, body });
    return next(args);
  };
  client.middlewareStack.addRelativeTo(mw, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'testRecorder' });
  return sent;
}

/**
 * Flips one byte of every upload body after the driver computed Content-MD5 but before signing,
 * as a corrupting network would (the signature stays valid, so only Content-MD5 can catch it).
 */
function corruptUploads(client: S3Client, commands: readonly string[]): void {
  const mw: FinalizeRequestMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const request = args.request as { body?: unknown };
    if (commands.includes(context.commandName ?? '') && request.body instanceof Uint8Array && request.body.byteLength > 0) {
      const copy = Uint8Array.from(request.body);
      copy[copy.byteLength >> 1]! ^= 0xff;
      request.body = copy;
    }
    return next(args);
  };
  client.middlewareStack.addRelativeTo(mw, { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'testCorrupter' });
}

describeEachS3Server('s3 integrity', (server) => {
  it('sends Content-MD5 of the stored bytes on every put and every part', async () => {
    const { store, bucket, client } = await freshStore(server, { multipartThreshold: 6 * MiB, partSize: 5 * MiB });
    try {
      const sent = recordRequests(client);
      const small = seededBytes(4096, 11);
      const big = seededBytes(12 * MiB + 5, 12);
      await store.putObject(bucket, 'small', small);
      await store.putObject(bucket, 'big', big);
      await store.putObject(bucket, 'empty', new Uint8Array(0));

      const puts = sent.filter((r) => r.command === 'PutObjectCommand');
      expect(puts.map((r) => r.headers['content-md5'])).toEqual([b64md5(small), b64md5(new Uint8Array(0))]);
      const parts = sent.filter((r) => r.command === 'UploadPartCommand');
      expect(parts).toHaveLength(3);
      for (const part of parts) {
        expect(part.body).toBeDefined();
        expect(part.headers['content-md5']).toBe(b64md5(part.body!));
      }
      expect(parts.map((p) => p.body!.byteLength).sort((a, b) => a - b)).toEqual([2 * MiB + 5, 5 * MiB, 5 * MiB]);
      // WHEN_REQUIRED: no flexible checksum rides along on uploads.
      for (const r of [...puts, ...parts]) expect(Object.keys(r.headers).filter((h) => h.startsWith('x-amz-checksum-'))).toEqual([]);
      expect(b64md5(await store.getObject(bucket, 'big'))).toBe(b64md5(big));
    } finally {
      await store.close?.();
    }
  }, 60_000);
});

// s3rver ignores Content-MD5 entirely, so only Swift can prove a damaged upload is refused.
describeEachS3Server(
  's3 corrupted uploads',
  (server) => {
    it('a single PUT damaged after Content-MD5 was computed is rejected and not stored', async () => {
      const { store, bucket, client } = await freshStore(server);
      try {
        corruptUploads(client, ['PutObjectCommand']);
        const err = await store.putObject(bucket, 'damaged', seededBytes(100_000, 5)).catch((e: unknown) => e);
        expect(hasErrorCode(err, 'E_BACKEND')).toBe(true);
        expect((err as Error).message).toMatch(/^s3: PUT .*BadDigest/);
        expect((err as { transient?: boolean }).transient).toBe(true);
        await expect(store.getObject(bucket, 'damaged')).rejects.toBeInstanceOf(NotFoundError);
      } finally {
        await store.close?.();
      }
    });

    it('a damaged multipart part fails the upload, which is then aborted', async () => {
      const { store, bucket, client } = await freshStore(server, { multipartThreshold: 6 * MiB, partSize: 5 * MiB, partConcurrency: 2 });
      try {
        corruptUploads(client, ['UploadPartCommand']);
        const err = await store.putObject(bucket, 'damaged-mp', seededBytes(11 * MiB, 6)).catch((e: unknown) => e);
        expect(hasErrorCode(err, 'E_BACKEND')).toBe(true);
        expect((err as Error).message).toMatch(/UploadPart .*BadDigest/);
        await expect(store.getObject(bucket, 'damaged-mp')).rejects.toBeInstanceOf(NotFoundError);
        const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
        expect(uploads.Uploads ?? []).toEqual([]);
      } finally {
        await store.close?.();
      }
    }, 60_000);
  },
  ['swift'],
);

describeEachS3Server(
  's3 incomplete uploads',
  (server) => {
    it('are counted, then aborted, once begun before the cut-off; those outside the key prefix are kept', async () => {
      const { store, bucket, client } = await freshStore(server, { keyPrefix: 'pre' });
      const uploads = async (): Promise<string[]> =>
        ((await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).map((u) => u.Key ?? '?').sort();
      try {
        for (const Key of ['pre/volume_x/a-00001', 'other/b-00001'])
          await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }));
        const hourAgo = new Date(Date.now() - 3_600_000);
        const soon = new Date(Date.now() + 60_000);
        expect(await store.removeIncompleteWrites?.(hourAgo), 'begun after the cut-off: may still run').toBe(0);
        expect(await store.removeIncompleteWrites?.(soon, { dryRun: true })).toBe(1);
        expect(await uploads()).toEqual(['other/b-00001', 'pre/volume_x/a-00001']);
        expect(await store.removeIncompleteWrites?.(soon)).toBe(1);
        expect(await uploads()).toEqual(['other/b-00001']);
        expect(await store.removeIncompleteWrites?.(soon)).toBe(0);
      } finally {
        const left = (await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
        for (const u of left) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }));
        await store.close?.();
      }
    });
  },
  ['swift'],
);

// s3rver answers ListMultipartUploads with NotImplemented: prune must go on without.
describeEachS3Server(
  's3 incomplete uploads on a server without the listing',
  (server) => {
    it('counts none rather than failing', async () => {
      const { store } = await freshStore(server);
      try {
        expect(await store.removeIncompleteWrites?.(new Date(), { dryRun: true })).toBe(0);
      } finally {
        await store.close?.();
      }
    });
  },
  ['s3rver'],
);
