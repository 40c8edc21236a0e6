import { createHash } from 'node:crypto';
import { hasErrorCode } from '@volback/core';
import { SeededRandom } from '@volback/core/testing';
import { afterEach, expect, it } from 'vitest';
import { createGcsStore } from '../src/index.js';
import { configFor, describeWithEmulator, rawStorage } from './gcs-emulator.js';
import { startFaultServer, type Handler } from './fault-server.js';

const MiB = 1024 * 1024;
const NAME = 'volume_0d3f8a2c-6b1e-4c7d-8e9f-a0b1c2d3e4f5/20240501120000/az_nova_backup_8f5a3c1e-2b4d-4e6f-9a0b-1c2d3e4f5a6b-00001';
const md5Of = (b: Uint8Array) => createHash('md5').update(b).digest('base64');

describeWithEmulator('gcs integrity and single-request uploads', (server) => {
  const raw = rawStorage(server);
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  /** A store whose requests go through `handler` on their way to the emulator. */
  async function storeThrough(handler: Handler, extra: Parameters<typeof configFor>[1] = {}) {
    const fault = await startFaultServer(server.endpoint, handler);
    closers.push(fault.close);
    const config = configFor(server, { endpoint: fault.endpoint, ...extra });
    return { store: createGcsStore(config), bucket: config.bucket, seen: fault.seen };
  }
  const storedNames = async (bucket: string) => (await raw.bucket(bucket).getFiles())[0].map((f) => f.name);

  it('uploads an object in one request that carries its MD5, and reads it back verified', async () => {
    const { store, bucket, seen } = await storeThrough((_req, forward) => forward());
    const data = new SeededRandom(1).bytes(20 * MiB + 3);
    await store.putObject(bucket, NAME, data);
    const uploads = seen.filter((r) => r.url.startsWith('/upload/'));
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.url).toMatch(/uploadType=multipart/);
    expect(uploads[0]!.body.toString('latin1')).toContain(`"md5Hash":"${md5Of(data)}"`);
    expect(Buffer.from(await store.getObject(bucket, NAME)).equals(Buffer.from(data))).toBe(true);
  });

  it('removes an object whose stored md5Hash is not the MD5 sent, and fails with E_INTEGRITY', async () => {
    // GCS answers the upload with the md5Hash of what it stored: here, of other bytes.
    const { store, bucket } = await storeThrough(async (req, forward) => {
      const answer = await forward();
      if (!req.url.startsWith('/upload/')) return answer;
      const meta = JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
      return { ...answer, body: Buffer.from(JSON.stringify({ ...meta, md5Hash: md5Of(Buffer.from('other bytes')) })) };
    });
    const err = await store.putObject(bucket, NAME, new SeededRandom(2).bytes(MiB)).catch((e: unknown) => e);
    expect(hasErrorCode(err, 'E_INTEGRITY')).toBe(true);
    expect((err as Error).message).toMatch(/^gcs: PUT .* GCS stored md5Hash .* the object was removed$/);
    // Retrying may cure bytes damaged on the way: the engine reads `transient`.
    expect((err as { transient?: unknown }).transient).toBe(true);
    expect(await storedNames(bucket)).toEqual([]);
  });

  it('never returns bytes that do not match the MD5 GCS sends with them', async () => {
    const { store, bucket } = await storeThrough(async (req, forward) => {
      const answer = await forward();
      if (!req.url.includes('alt=media')) return answer;
      const body = Buffer.from(answer.body);
      body[body.length >> 1]! ^= 0x01; // one bit, the length unchanged
      return { ...answer, body };
    });
    await store.putObject(bucket, NAME, new SeededRandom(3).bytes(2 * MiB));
    const err = await store.getObject(bucket, NAME).catch((e: unknown) => e);
    expect(hasErrorCode(err, 'E_INTEGRITY')).toBe(true);
    expect((err as Error).message).toMatch(/^gcs: GET .*: the bytes read have md5 .*, GCS says the object has /);
  });

  it('checks the CRC32C when an answer has no MD5 (a composite object), and refuses an answer with no hash', async () => {
    let strip: 'md5' | 'all' = 'md5';
    const { store, bucket } = await storeThrough(async (req, forward) => {
      const answer = await forward();
      if (!req.url.includes('alt=media')) return answer;
      const hash = String(answer.headers['x-goog-hash'] ?? '');
      const headers = { ...answer.headers };
      if (strip === 'all') delete headers['x-goog-hash'];
      else
        headers['x-goog-hash'] = hash
          .split(',')
          .filter((p) => !p.startsWith('md5='))
          .join(',');
      return { ...answer, headers };
    });
    const data = new SeededRandom(4).bytes(MiB + 7);
    await store.putObject(bucket, NAME, data);
    expect(Buffer.from(await store.getObject(bucket, NAME)).equals(Buffer.from(data))).toBe(true);
    strip = 'all';
    const err = await store.getObject(bucket, NAME).catch((e: unknown) => e);
    expect(hasErrorCode(err, 'E_INTEGRITY')).toBe(true);
    expect((err as Error).message).toMatch(/carries no x-goog-hash/);
  });

  it('refuses an object stored gzip-encoded: its answer is not the bytes written', async () => {
    const { store, bucket } = await storeThrough(async (req, forward) => {
      const answer = await forward();
      return req.url.includes('alt=media') ? { ...answer, headers: { ...answer.headers, 'content-encoding': 'gzip' } } : answer;
    });
    await store.putObject(bucket, NAME, new Uint8Array(100));
    const err = await store.getObject(bucket, NAME).catch((e: unknown) => e);
    expect(hasErrorCode(err, 'E_INVALID_BACKUP')).toBe(true);
    expect((err as Error).message).toMatch(/stored gzip-encoded/);
  });

  it('retries an upload answered 503 (SDK retryOptions), and a read answered 429', async () => {
    let failUpload = 1;
    let failRead = 1;
    const { store, bucket, seen } = await storeThrough(
      (req, forward) => {
        if (req.url.startsWith('/upload/') && failUpload-- > 0) return { status: 503, headers: {}, body: Buffer.from('busy') };
        if (req.url.includes('alt=media') && failRead-- > 0) return { status: 429, headers: {}, body: Buffer.from('slow down') };
        return forward();
      },
      { maxRetries: 2 },
    );
    const data = new SeededRandom(5).bytes(MiB);
    await store.putObject(bucket, NAME, data);
    expect(Buffer.from(await store.getObject(bucket, NAME)).equals(Buffer.from(data))).toBe(true);
    expect(seen.filter((r) => r.url.startsWith('/upload/'))).toHaveLength(2);
    expect(seen.filter((r) => r.url.includes('alt=media'))).toHaveLength(2);
  }, 20_000);

  it('refuses an object larger than maxUploadBytes with E_CONFIG, before any request', async () => {
    const { store, bucket, seen } = await storeThrough((_req, forward) => forward(), { maxUploadBytes: MiB });
    const err = await store.putObject(bucket, NAME, new Uint8Array(MiB + 1)).catch((e: unknown) => e);
    expect(hasErrorCode(err, 'E_CONFIG')).toBe(true);
    expect((err as Error).message).toMatch(/more than maxUploadBytes \(1048576\): every object goes up whole in one request/);
    expect(seen).toHaveLength(0);
  });
});
