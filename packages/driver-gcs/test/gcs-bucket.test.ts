import { ConfigError, NotFoundError } from '@volback/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createGcsStore } from '../src/index.js';
import { configFor, describeWithEmulator } from './gcs-emulator.js';
import { gcsError, startFaultServer, type Handler } from './fault-server.js';

describeWithEmulator('gcs buckets on the emulator', (server) => {
  it('takes a listable bucket as existing: the emulator makes buckets on first use and says 404 to bucket lookups', async () => {
    const config = configFor(server);
    const store = createGcsStore(config);
    await store.checkForSetupError();
    await store.ensureContainer(config.bucket);
    await store.putObject(config.bucket, 'volume_x/20240501120000/az_nova_backup_y-00001', new Uint8Array([1, 2, 3]));
    expect(await store.listObjects(config.bucket, 'volume_x/')).toEqual(['volume_x/20240501120000/az_nova_backup_y-00001']);
  });
});

describe('gcs buckets that do not exist (as real GCS answers)', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  const NO_BUCKET = gcsError(404, 'The specified bucket does not exist.', 'notFound');
  async function storeOn(handler: Handler, createBucket: boolean) {
    const fault = await startFaultServer(undefined, handler);
    closers.push(fault.close);
    const store = createGcsStore({ bucket: 'volumebackups', endpoint: fault.endpoint, projectId: 'p1', maxRetries: 0, createBucket });
    return { store, seen: fault.seen };
  }

  it('says how to get one when createBucket is off (the default), creating nothing', async () => {
    const { store, seen } = await storeOn(() => NO_BUCKET, false);
    const ensured = await store.ensureContainer('volumebackups').catch((e: unknown) => e);
    expect(ensured).toBeInstanceOf(NotFoundError);
    expect((ensured as Error).message).toMatch(/bucket "volumebackups" does not exist; create it, or set createBucket: true/);
    const checked = await store.checkForSetupError().catch((e: unknown) => e);
    expect(checked).toBeInstanceOf(ConfigError);
    expect((checked as ConfigError).field).toBe('bucket');
    expect(seen.every((r) => r.method === 'GET')).toBe(true);
  });

  it('creates it with the configured location and storage class when createBucket is on', async () => {
    let created = false;
    const { store, seen } = await storeOn((req) => {
      if (req.method === 'POST') {
        created = true;
        return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"name":"volumebackups"}') };
      }
      return created ? { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') } : NO_BUCKET;
    }, true);
    await store.ensureContainer('volumebackups');
    const post = seen.find((r) => r.method === 'POST')!;
    expect(post.url).toMatch(/^\/storage\/v1\/b\?project=p1/);
    expect(JSON.parse(post.body.toString('utf8'))).toMatchObject({ name: 'volumebackups', location: 'US', storageClass: 'NEARLINE' });
  });

  it('accepts losing the race to create it (409, then listable)', async () => {
    let posted = false;
    const { store } = await storeOn((req) => {
      if (req.method === 'POST') {
        posted = true;
        return gcsError(409, 'Your previous request to create the named bucket succeeded and you already own it.', 'conflict');
      }
      return posted ? { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') } : NO_BUCKET;
    }, true);
    await store.ensureContainer('volumebackups');
    expect(posted).toBe(true);
  });
});
