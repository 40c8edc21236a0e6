import { createHash } from 'node:crypto';
import { hasErrorCode, NotFoundError } from '@volback/core/driver';
import { newBackupRecord } from '@volback/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Store } from '../src/index.js';
import {
  cinderNames,
  configFor,
  describeEachS3Server,
  freshStore,
  seededBytes,
  storeOn,
  uniqueBucket,
  watchListings,
  type TestStore,
} from './s3-servers.js';

const MiB = 1024 * 1024;
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

describeEachS3Server('s3 store', (server) => {
  let s: TestStore;
  beforeAll(async () => {
    s = await freshStore(server);
  });
  afterAll(async () => {
    await s?.store.close?.();
  });

  it('reads a whole object straight into the buffer the engine lends, Content-Length known', async () => {
    const data = seededBytes(3 * MiB + 17, 4);
    await s.store.putObject(s.bucket, 'lent', data);
    const backing = new Uint8Array(5 * MiB);
    const asked: number[] = [];
    const allocate = (length: number): Uint8Array => {
      asked.push(length);
      return backing.subarray(MiB, MiB + length);
    };
    const got = await s.store.getObject(s.bucket, 'lent', { allocate });
    expect(got.buffer === backing.buffer, 'the body went into the lent buffer').toBe(true);
    expect(got.byteOffset).toBe(MiB);
    expect(md5(got)).toBe(md5(data));
    expect(asked).toEqual([data.byteLength]);
  });

  it('round-trips 80 MiB through a multipart upload', async () => {
    const data = seededBytes(80 * MiB, 3);
    await s.store.putObject(s.bucket, 'big/object-00001', data);
    const back = await s.store.getObject(s.bucket, 'big/object-00001');
    expect(back.byteLength).toBe(data.byteLength);
    expect(md5(back)).toBe(md5(data));
    await s.store.deleteObject(s.bucket, 'big/object-00001');
  }, 180_000);

  it('lists and deletes in a missing bucket as in an empty one, in one call', async () => {
    const listings = watchListings(s.client);
    expect(await s.store.listObjects(uniqueBucket('none'), 'p/')).toEqual([]);
    expect(await s.store.listMetadataObjects?.(uniqueBucket('none'))).toEqual([]);
    expect(listings).toEqual([]);
    await s.store.deleteObject(uniqueBucket('gone'), 'anything');
  });

  it('lists page by page, listPageSize keys a call', async () => {
    const paged = await freshStore(server, { listPageSize: 10 });
    try {
      const names = Array.from({ length: 25 }, (_, i) => `p/obj-${String(i).padStart(5, '0')}`);
      await Promise.all(names.map((n, i) => paged.store.putObject(paged.bucket, n, seededBytes(i + 1, i + 1))));
      await paged.store.putObject(paged.bucket, 'p-sibling', seededBytes(3));
      const pages = watchListings(paged.client);
      expect(await paged.store.listObjects(paged.bucket, 'p/')).toEqual(names);
      expect(pages).toEqual([10, 10, 5]);
    } finally {
      await paged.store.close?.();
    }
  });

  it('keeps the key prefix out of the names the engine sees, and puts it before every stored key', async () => {
    const base = configFor(server);
    const prefixed = storeOn({ ...base, keyPrefix: 'tenant-a/backups' });
    const plain = storeOn(base);
    try {
      await prefixed.store.ensureContainer(base.bucket);
      const names = cinderNames();
      await prefixed.store.putObject(base.bucket, names.data, seededBytes(64));
      await prefixed.store.putObject(base.bucket, names.metadata, seededBytes(8));
      expect(await prefixed.store.listObjects(base.bucket, '')).toEqual([names.data, names.metadata]);
      expect(await prefixed.store.listMetadataObjects?.(base.bucket)).toEqual([names.metadata]);
      expect((await prefixed.store.getObject(base.bucket, names.data)).byteLength).toBe(64);
      expect(await plain.store.listObjects(base.bucket, '')).toEqual([
        `tenant-a/backups/${names.data}`,
        `tenant-a/backups/${names.metadata}`,
      ]);
      for (const n of [names.data, names.metadata]) await prefixed.store.deleteObject(base.bucket, n);
      expect(await plain.store.listObjects(base.bucket, '')).toEqual([]);
    } finally {
      await prefixed.store.close?.();
      await plain.store.close?.();
    }
  });

  it('stores names that need escaping in a URL', async () => {
    const names = ['odd/name with spaces+plus%percent&amp=eq?q#hash', 'odd/ünïcødé-名前', "odd/semi;colon:@!$'()*,"];
    for (const [i, n] of names.entries()) await s.store.putObject(s.bucket, n, seededBytes(i + 5, i));
    for (const [i, n] of names.entries()) expect(md5(await s.store.getObject(s.bucket, n))).toBe(md5(seededBytes(i + 5, i)));
    expect(await s.store.listObjects(s.bucket, 'odd/')).toEqual([...names].sort());
  });

  it('finds _metadata objects by walking a bucket of Cinder backups, pages of 10', async () => {
    const walked = await freshStore(server, { listPageSize: 10 });
    try {
      const backup = (vol: string, ts: string, id: string, data: number): string[] => {
        const prefix = `volume_${vol}/${ts}/az_nova_backup_${id}`;
        return [
          ...Array.from({ length: data }, (_, i) => `${prefix}-${String(i + 1).padStart(5, '0')}`),
          `${prefix}_sha256file`,
          `${prefix}_metadata`,
        ];
      };
      const keys = [
        ...backup('aaaa', '20260101000000', '00000001-1111-4222-8333-444444444441', 30),
        ...backup('aaaa', '20260102000000', '00000002-1111-4222-8333-444444444442', 3),
        ...backup('bbbb', '20260103000000', '00000003-1111-4222-8333-444444444443', 25),
        'volume_bbbb/loose_backup_v_metadata',
        'x-custom_backup_x_metadata',
      ];
      for (let i = 0; i < keys.length; i += 16)
        await Promise.all(keys.slice(i, i + 16).map((k) => walked.store.putObject(walked.bucket, k, new Uint8Array(0))));
      const listings = watchListings(walked.client);
      expect(await walked.store.listMetadataObjects?.(walked.bucket)).toEqual(keys.filter((k) => k.endsWith('_metadata')).sort());
      const keysListed = listings.reduce((a, b) => a + b, 0);
      // s3rver gives no common prefixes at the top of a bucket: the walk sees that and lists all.
      if (server.faithful) expect(keysListed).toBeLessThan(keys.length);
    } finally {
      await walked.store.close?.();
    }
  }, 120_000);

  it('stops a multipart upload when its signal fires, leaving no object', async () => {
    const mp = await freshStore(server, { multipartThreshold: 6 * MiB, partSize: 5 * MiB, partConcurrency: 1 });
    try {
      const ac = new AbortController();
      const put = mp.store.putObject(mp.bucket, 'cancelled', seededBytes(40 * MiB, 8), { signal: ac.signal });
      setTimeout(() => ac.abort(), 30);
      await expect(put).rejects.toMatchObject({ code: 'E_CANCELLED' });
      await expect(mp.store.getObject(mp.bucket, 'cancelled')).rejects.toBeInstanceOf(NotFoundError);
    } finally {
      await mp.store.close?.();
    }
  }, 60_000);
});

describeEachS3Server('s3 store buckets', (server) => {
  it('refuses a missing bucket when createBucket is false, saying how to get one', async () => {
    const { store, bucket } = storeOn(configFor(server, { createBucket: false }));
    try {
      const err = await store.ensureContainer(bucket).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as Error).message).toMatch(/^s3: bucket .* does not exist.*createBucket/);
      const setup = await store.checkForSetupError().catch((e: unknown) => e);
      expect(hasErrorCode(setup, 'E_CONFIG')).toBe(true);
      expect((setup as { field?: string }).field).toBe('bucket');
      const put = await store.putObject(bucket, 'x', seededBytes(3)).catch((e: unknown) => e);
      expect(put).toBeInstanceOf(NotFoundError);
      expect((put as Error).message).toMatch(/createBucket/);
    } finally {
      await store.close?.();
    }
  });

  it('creates a missing bucket when allowed, and passes the setup check', async () => {
    const { store, bucket } = storeOn(configFor(server, { createBucket: true }));
    try {
      await store.checkForSetupError();
      await store.ensureContainer(bucket);
      await store.ensureContainer(bucket);
      await store.checkForSetupError();
      expect(await store.listContainers?.()).toEqual([bucket]);
    } finally {
      await store.close?.();
    }
  });
});

describe('s3 store without a server', () => {
  it('maps a refused connection to a transient BackendError naming the call', async () => {
    const store = createS3Store({
      bucket: 'b1',
      endpoint: 'http://127.0.0.1:9',
      forcePathStyle: true,
      accessKeyId: 'a',
      secretAccessKey: 'b',
      maxAttempts: 1,
    });
    try {
      const err = await store.getObject('b1', 'x').catch((e: unknown) => e);
      expect(hasErrorCode(err, 'E_BACKEND')).toBe(true);
      expect((err as { transient?: boolean }).transient).toBe(true);
      expect((err as Error).message).toMatch(/^s3: GET b1\/x: .*ECONNREFUSED/);
    } finally {
      await store.close?.();
    }
  });

  it("names and places backups as Cinder's S3 driver does", async () => {
    const store = createS3Store({ bucket: 'volumebackups', availabilityZone: 'az1' });
    const record = newBackupRecord({
      id: '64c02f46-0599-5fd8-9bcf-487bcf67196d',
      volumeId: 'cbb66a29-0000-4000-8000-000000000001',
      createdAt: new Date('2024-05-01T12:00:00Z'),
    });
    expect(store.objectNamePrefix(record)).toBe(
      'volume_cbb66a29-0000-4000-8000-000000000001/20240501120000/az_az1_backup_64c02f46-0599-5fd8-9bcf-487bcf67196d',
    );
    expect(store.containerFor(record.id, null)).toBe('volumebackups');
    expect(store.containerFor(record.id, 'users-bucket')).toBe('users-bucket');
    expect(store.serviceName).toBe('cinder.backup.drivers.s3.S3BackupDriver');
    await store.close?.();
  });
});
