import { createHash } from 'node:crypto';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import type { FinalizeRequestMiddleware, MetadataBearer } from '@smithy/types';
import { hasErrorCode, NotFoundError } from '@volback/core';
import { expect, it } from 'vitest';
import type { S3ObjectStore } from '../src/index.js';
import { describeEachS3Server, freshStore, patternBytes } from './s3-servers.js';

const MiB = 1024 * 1024;
const b64md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('base64');

interface SentRequest {
  command: string;
  headers: Record<string, string>;
  body: Uint8Array | undefined;
}

/** Records every request as it leaves the client, after signing. */
function recordRequests(store: S3ObjectStore): SentRequest[] {
  const sent: SentRequest[] = [];
  const mw: FinalizeRequestMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const request = args.request as { headers: Record<string, string>; body?: unknown };
    const body = request.body instanceof Uint8Array ? request.body : typeof request.body === 'string' ? Buffer.from(request.body) : undefined;
    sent.push({ command: context.commandName ?? '?', headers: { ...request.headers }, body });
    return next(args);
  };
  store.client.middlewareStack.addRelativeTo(mw, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'testRecorder' });
  return sent;
}

/**
 * Flips one byte of every upload body after the driver computed Content-MD5 but before signing,
 * as a corrupting network would (the signature stays valid, so only Content-MD5 can catch it).
 */
function corruptUploads(store: S3ObjectStore, commands: readonly string[]): void {
  const mw: FinalizeRequestMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const request = args.request as { body?: unknown };
    if (commands.includes(context.commandName ?? '') && request.body instanceof Uint8Array && request.body.byteLength > 0) {
      const copy = Uint8Array.from(request.body);
      copy[copy.byteLength >> 1]! ^= 0xff;
      request.body = copy;
    }
    return next(args);
  };
  store.client.middlewareStack.addRelativeTo(mw, { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'testCorrupter' });
}

describeEachS3Server('S3ObjectStore integrity', (server) => {
  it('sends Content-MD5 of the stored bytes on every put and every part', async () => {
    const store = await freshStore(server, { multipartThreshold: 6 * MiB, partSize: 5 * MiB });
    try {
      const sent = recordRequests(store);
      const small = patternBytes(4096, 11);
      const big = patternBytes(12 * MiB + 5, 12);
      await store.putObject(store.config.bucket, 'small', small);
      await store.putObject(store.config.bucket, 'big', big);
      await store.putObject(store.config.bucket, 'empty', new Uint8Array(0));

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
      expect(b64md5(await store.getObject(store.config.bucket, 'big'))).toBe(b64md5(big));
    } finally {
      await store.close();
    }
  }, 60_000);

  it('sends Content-MD5, not a CRC, on DeleteObjects', async () => {
    const store = await freshStore(server);
    try {
      await store.putObject(store.config.bucket, 'd1', patternBytes(5));
      const sent = recordRequests(store);
      await store.deleteObjects(store.config.bucket, ['d1', 'd2']);
      const batch = sent.find((r) => r.command === 'DeleteObjectsCommand');
      expect(batch).toBeDefined();
      expect(batch!.headers['content-md5']).toBe(b64md5(batch!.body!));
      expect(Object.keys(batch!.headers).filter((h) => h.startsWith('x-amz-checksum-') || h === 'x-amz-sdk-checksum-algorithm')).toEqual([]);
      await expect(store.getObject(store.config.bucket, 'd1')).rejects.toBeInstanceOf(NotFoundError);
    } finally {
      await store.close();
    }
  });
});

// s3rver ignores Content-MD5 entirely, so only Swift can prove a damaged upload is refused.
describeEachS3Server(
  'S3ObjectStore corrupted uploads',
  (server) => {
    it('a single PUT damaged after Content-MD5 was computed is rejected and not stored', async () => {
      const store = await freshStore(server);
      try {
        corruptUploads(store, ['PutObjectCommand']);
        const err = await store.putObject(store.config.bucket, 'damaged', patternBytes(100_000, 5)).catch((e: unknown) => e);
        expect(hasErrorCode(err, 'E_BACKEND')).toBe(true);
        expect((err as Error).message).toMatch(/^s3: PUT .*BadDigest/);
        expect((err as { transient?: boolean }).transient).toBe(true);
        await expect(store.getObject(store.config.bucket, 'damaged')).rejects.toBeInstanceOf(NotFoundError);
      } finally {
        await store.close();
      }
    });

    it('a damaged multipart part fails the upload, which is then aborted', async () => {
      const store = await freshStore(server, { multipartThreshold: 6 * MiB, partSize: 5 * MiB, partConcurrency: 2 });
      try {
        corruptUploads(store, ['UploadPartCommand']);
        const err = await store.putObject(store.config.bucket, 'damaged-mp', patternBytes(11 * MiB, 6)).catch((e: unknown) => e);
        expect(hasErrorCode(err, 'E_BACKEND')).toBe(true);
        expect((err as Error).message).toMatch(/UploadPart .*BadDigest/);
        await expect(store.getObject(store.config.bucket, 'damaged-mp')).rejects.toBeInstanceOf(NotFoundError);
        const uploads = await store.client.send(new ListMultipartUploadsCommand({ Bucket: store.config.bucket }));
        expect(uploads.Uploads ?? []).toEqual([]);
      } finally {
        await store.close();
      }
    }, 60_000);
  },
  ['swift'],
);
