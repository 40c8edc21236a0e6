import { createHash } from 'node:crypto';
import { newBackupRecord, NotFoundError, hasErrorCode } from '@volback/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../src/index.js';
import { cinderNames, configFor, describeEachS3Server, freshStore, patternBytes, uniqueBucket, watchListings } from './s3-servers.js';

const MiB = 1024 * 1024;
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

describeEachS3Server('S3ObjectStore', (server) => {
  let store: S3ObjectStore;
  beforeAll(async () => {
    store = await freshStore(server);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('round-trips an empty and a small object under Cinder names', async () => {
    const bucket = store.config.bucket;
    const names = cinderNames();
    const small = patternBytes(1000, 7);
    await store.putObject(bucket, names.data, new Uint8Array(0));
    await store.putObject(bucket, names.sha, small);
    await store.putObject(bucket, names.metadata, new TextEncoder().encode('{"version": "1.0.0"}'));
    expect((await store.getObject(bucket, names.data)).byteLength).toBe(0);
    expect(Buffer.from(await store.getObject(bucket, names.sha)).equals(Buffer.from(small))).toBe(true);
    expect(new TextDecoder().decode(await store.getObject(bucket, names.metadata))).toBe('{"version": "1.0.0"}');
    expect(await store.listObjects(bucket, names.prefix)).toEqual([names.data, names.metadata, names.sha]);
  });

  it('overwrites an object', async () => {
    const bucket = store.config.bucket;
    await store.putObject(bucket, 'over', patternBytes(100, 1));
    await store.putObject(bucket, 'over', patternBytes(50, 2));
    expect(md5(await store.getObject(bucket, 'over'))).toBe(md5(patternBytes(50, 2)));
  });

  it('reads a whole object straight into the buffer the engine lends, and a range into one of its own', async () => {
    const bucket = store.config.bucket;
    const data = patternBytes(3 * MiB + 17, 4);
    await store.putObject(bucket, 'lent', data);
    const backing = new Uint8Array(5 * MiB);
    const asked: number[] = [];
    const allocate = (length: number): Uint8Array => {
      asked.push(length);
      return backing.subarray(MiB, MiB + length);
    };
    const got = await store.getObject(bucket, 'lent', { allocate });
    expect(got.buffer === backing.buffer, 'the body went into the lent buffer').toBe(true);
    expect(got.byteOffset).toBe(MiB);
    expect(md5(got)).toBe(md5(data));
    expect(asked).toEqual([data.byteLength]);
    // A server may answer a range with the whole object, so a range is not read into a lent buffer.
    const range = await store.getObject(bucket, 'lent', { range: { offset: 10, length: 100 }, allocate });
    expect(range.buffer === backing.buffer, 'a range went into a buffer of its own').toBe(false);
    expect(Buffer.from(range).equals(Buffer.from(data.subarray(10, 110)))).toBe(true);
    expect(asked).toHaveLength(1);
  });

  it('round-trips 80 MiB through a multipart upload', async () => {
    const bucket = store.config.bucket;
    const data = patternBytes(80 * MiB, 3);
    await store.putObject(bucket, 'big/object-00001', data);
    const back = await store.getObject(bucket, 'big/object-00001');
    expect(back.byteLength).toBe(data.byteLength);
    expect(md5(back)).toBe(md5(data));
    // A range across the boundary of the first two 16 MiB parts.
    const range = await store.getObject(bucket, 'big/object-00001', { range: { offset: 16 * MiB - 10, length: 20 } });
    expect(Buffer.from(range).equals(Buffer.from(data.subarray(16 * MiB - 10, 16 * MiB + 10)))).toBe(true);
    await store.deleteObject(bucket, 'big/object-00001');
  }, 180_000);

  it('reads ranges: inside, at the end, past the end, empty', async () => {
    const bucket = store.config.bucket;
    const data = patternBytes(10_000, 4);
    await store.putObject(bucket, 'ranged', data);
    const slice = (o: number, l: number): Buffer => Buffer.from(data.subarray(o, o + l));
    expect(Buffer.from(await store.getObject(bucket, 'ranged', { range: { offset: 0, length: 1 } })).equals(slice(0, 1))).toBe(true);
    expect(Buffer.from(await store.getObject(bucket, 'ranged', { range: { offset: 1234, length: 4321 } })).equals(slice(1234, 4321))).toBe(true);
    expect(Buffer.from(await store.getObject(bucket, 'ranged', { range: { offset: 9000, length: 1000 } })).equals(slice(9000, 1000))).toBe(true);
    // Longer than the object: the rest, as a short read.
    expect(Buffer.from(await store.getObject(bucket, 'ranged', { range: { offset: 9990, length: 100 } })).equals(slice(9990, 10))).toBe(true);
    expect((await store.getObject(bucket, 'ranged', { range: { offset: 10_000, length: 5 } })).byteLength).toBe(0);
    expect((await store.getObject(bucket, 'ranged', { range: { offset: 5, length: 0 } })).byteLength).toBe(0);
    await expect(store.getObject(bucket, 'ranged-missing', { range: { offset: 0, length: 0 } })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('raises NotFoundError for a missing object, whole or ranged', async () => {
    const bucket = store.config.bucket;
    const err = await store.getObject(bucket, 'no/such/object').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toMatch(/^s3: /);
    await expect(store.getObject(bucket, 'no/such/object', { range: { offset: 3, length: 3 } })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('deletes idempotently, also in a missing bucket', async () => {
    const bucket = store.config.bucket;
    await store.putObject(bucket, 'doomed', patternBytes(10));
    await store.deleteObject(bucket, 'doomed');
    await store.deleteObject(bucket, 'doomed');
    await expect(store.getObject(bucket, 'doomed')).rejects.toBeInstanceOf(NotFoundError);
    await store.deleteObject(uniqueBucket('gone'), 'anything');
  });

  it('lists with pagination, exact prefix, sorted', async () => {
    const paged = await freshStore(server, { listPageSize: 10 });
    try {
      const bucket = paged.config.bucket;
      const names = Array.from({ length: 25 }, (_, i) => `p/obj-${String(i).padStart(5, '0')}`);
      await Promise.all(names.map((n, i) => paged.putObject(bucket, n, patternBytes(i + 1, i + 1))));
      await paged.putObject(bucket, 'q/other', patternBytes(3));
      await paged.putObject(bucket, 'p-sibling', patternBytes(3));
      expect(await paged.listObjects(bucket, 'p/')).toEqual(names);
      expect(await paged.listObjects(bucket, 'p/obj-0001')).toEqual(names.slice(10, 20));
      expect(await paged.listObjects(bucket, 'nothing-here')).toEqual([]);
      // s3rver walks its directories ('p/' before 'p-sibling') while continuation tokens
      // assume S3's byte order, so it drops 'p-sibling' across pages; Swift is right.
      if (server.faithful) expect((await paged.listObjects(bucket, '')).length).toBe(27);
      expect(await paged.listObjects(uniqueBucket('none'), 'p/')).toEqual([]);
      // Page by page: 10, 10 and 5 names, the last page with no next; a missing bucket in one call.
      const pages = watchListings(paged);
      expect(await paged.listObjects(bucket, 'p/')).toEqual(names);
      expect(pages).toEqual([10, 10, 5]);
      pages.length = 0;
      expect(await paged.listObjects(uniqueBucket('none'), 'p/')).toEqual([]);
      expect(pages).toEqual([]);
    } finally {
      await paged.close();
    }
  });

  it('keeps a URL key prefix out of the names the engine sees', async () => {
    const base = configFor(server);
    const prefixed = new S3ObjectStore({ ...base, keyPrefix: 'tenant-a/backups' });
    const plain = new S3ObjectStore({ ...base, bucket: base.bucket });
    try {
      const bucket = base.bucket;
      await prefixed.ensureContainer(bucket);
      const names = cinderNames();
      await prefixed.putObject(bucket, names.data, patternBytes(64));
      await prefixed.putObject(bucket, names.metadata, patternBytes(8));
      expect(await prefixed.listObjects(bucket, names.prefix)).toEqual([names.data, names.metadata]);
      expect(await prefixed.listObjects(bucket, '')).toEqual([names.data, names.metadata]);
      expect((await prefixed.getObject(bucket, names.data)).byteLength).toBe(64);
      // What is really stored: the same names under the prefix.
      expect(await plain.listObjects(bucket, '')).toEqual([`tenant-a/backups/${names.data}`, `tenant-a/backups/${names.metadata}`]);
      await prefixed.deleteObjects(bucket, [names.data, names.metadata]);
      expect(await plain.listObjects(bucket, '')).toEqual([]);
    } finally {
      await prefixed.close();
      await plain.close();
    }
  });

  it('stores names with every character of Cinder prefixes, and odd ones', async () => {
    const bucket = store.config.bucket;
    const { prefix } = cinderNames('00000000-0000-0000-0000-00000000005e');
    const names = [
      `${prefix}-00001`,
      `${prefix}-100000`,
      `${prefix}_metadata`,
      `${prefix}_sha256file`,
      'odd/name with spaces+plus%percent&amp=eq?q#hash',
      'odd/ünïcødé-名前',
    ];
    for (const [i, n] of names.entries()) await store.putObject(bucket, n, patternBytes(i + 5, i));
    for (const [i, n] of names.entries()) expect(md5(await store.getObject(bucket, n))).toBe(md5(patternBytes(i + 5, i)));
    expect(await store.listObjects(bucket, prefix)).toEqual(names.slice(0, 4).sort());
    expect(await store.listObjects(bucket, 'odd/')).toEqual(names.slice(4).sort());
  });

  it('runs 16 puts at once', async () => {
    const bucket = store.config.bucket;
    const items = Array.from({ length: 16 }, (_, i) => ({ name: `conc/obj-${i}`, data: patternBytes(256 * 1024 + i, 100 + i) }));
    await Promise.all(items.map((it) => store.putObject(bucket, it.name, it.data)));
    const back = await Promise.all(items.map((it) => store.getObject(bucket, it.name)));
    back.forEach((b, i) => expect(md5(b)).toBe(md5(items[i]!.data)));
    expect((await store.listObjects(bucket, 'conc/')).length).toBe(16);
  });

  it('batch-deletes many objects, missing ones included', async () => {
    const bucket = store.config.bucket;
    const names = Array.from({ length: 30 }, (_, i) => `batch/obj-${i}`);
    await Promise.all(names.map((n) => store.putObject(bucket, n, patternBytes(16))));
    await store.deleteObjects(bucket, [...names, 'batch/never-existed']);
    expect(await store.listObjects(bucket, 'batch/')).toEqual([]);
  });

  it('stops a multipart upload when its signal fires', async () => {
    const mp = await freshStore(server, { multipartThreshold: 6 * MiB, partSize: 5 * MiB, partConcurrency: 1 });
    try {
      const ac = new AbortController();
      const put = mp.putObject(mp.config.bucket, 'cancelled', patternBytes(40 * MiB, 8), { signal: ac.signal });
      setTimeout(() => ac.abort(), 30);
      await expect(put).rejects.toMatchObject({ code: 'E_CANCELLED' });
      await expect(mp.getObject(mp.config.bucket, 'cancelled')).rejects.toBeInstanceOf(NotFoundError);
    } finally {
      await mp.close();
    }
  }, 60_000);

  it('chooses the container and prefix as Cinder does', () => {
    const record = newBackupRecord({
      id: '64c02f46-0599-5fd8-9bcf-487bcf67196d',
      volumeId: 'cbb66a29-0000-4000-8000-000000000001',
      createdAt: new Date('2024-05-01T12:00:00Z'),
    });
    expect(store.objectNamePrefix(record)).toBe(
      'volume_cbb66a29-0000-4000-8000-000000000001/20240501120000/az_nova_backup_64c02f46-0599-5fd8-9bcf-487bcf67196d',
    );
    expect(store.containerFor(record.id, null)).toBe(store.config.bucket);
    expect(store.containerFor(record.id, 'users-bucket')).toBe('users-bucket');
    expect(store.serviceName).toBe('cinder.backup.drivers.s3.S3BackupDriver');
  });
});

describeEachS3Server('S3ObjectStore buckets', (server) => {
  it('refuses a missing bucket when createBucket is false, with a hint', async () => {
    const store = new S3ObjectStore(configFor(server, { createBucket: false }));
    try {
      const bucket = store.config.bucket;
      const err = await store.ensureContainer(bucket).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as Error).message).toMatch(/does not exist.*createBucket/);
      const setup = await store.checkForSetupError().catch((e: unknown) => e);
      expect(hasErrorCode(setup, 'E_CONFIG')).toBe(true);
      expect((setup as { field?: string }).field).toBe('bucket');
      const put = await store.putObject(bucket, 'x', patternBytes(3)).catch((e: unknown) => e);
      expect(put).toBeInstanceOf(NotFoundError);
      expect((put as Error).message).toMatch(/createBucket/);
    } finally {
      await store.close();
    }
  });

  it('creates a missing bucket when allowed, and passes the setup check', async () => {
    const store = new S3ObjectStore(configFor(server, { createBucket: true }));
    try {
      await store.checkForSetupError();
      await store.ensureContainer(store.config.bucket);
      await store.ensureContainer(store.config.bucket);
      await store.checkForSetupError();
      expect(await store.listContainers()).toEqual([store.config.bucket]);
      expect(store.capabilities.listContainers).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe('S3ObjectStore without a server', () => {
  it('maps a refused connection to a transient BackendError', async () => {
    const store = new S3ObjectStore({ bucket: 'b1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true, accessKeyId: 'a', secretAccessKey: 'b', maxAttempts: 1 });
    try {
      const err = await store.getObject('b1', 'x').catch((e: unknown) => e);
      expect(hasErrorCode(err, 'E_BACKEND')).toBe(true);
      expect((err as { transient?: boolean }).transient).toBe(true);
      expect((err as Error).message).toMatch(/^s3: GET b1\/x: .*ECONNREFUSED/);
    } finally {
      await store.close();
    }
  });

  it('honours a fired AbortSignal', async () => {
    const store = new S3ObjectStore({ bucket: 'b1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true, accessKeyId: 'a', secretAccessKey: 'b' });
    const ac = new AbortController();
    ac.abort();
    await expect(store.putObject('b1', 'x', new Uint8Array(1), { signal: ac.signal })).rejects.toMatchObject({ code: 'E_CANCELLED' });
    await store.close();
  });
});
