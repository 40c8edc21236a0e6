import { afterAll, beforeAll, expect, it } from 'vitest';
import type { S3ObjectStore } from '../src/index.js';
import { describeEachS3Server, freshStore, watchListings } from './s3-servers.js';

const uuid = (n: number): string => `0000000${n}-1111-4222-8333-44444444444${n}`;
const base = (vol: string, ts: string, n: number): string => `volume_${vol}/${ts}/az_nova_backup_${uuid(n)}`;
const backupKeys = (prefix: string, dataObjects: number): string[] => [
  ...Array.from({ length: dataObjects }, (_, i) => `${prefix}-${String(i + 1).padStart(5, '0')}`),
  `${prefix}_sha256file`,
  `${prefix}_metadata`,
];

/** Cinder's layout with big and small backups, two in one second, and names in no Cinder form. */
const KEYS = [
  ...backupKeys(base('aaaa', '20260101000000', 1), 60),
  ...backupKeys(base('aaaa', '20260101000000', 2), 2),
  ...backupKeys(base('aaaa', '20260102000000', 3), 12),
  'volume_aaaa/20260102000000/notes.txt',
  'volume_aaaa/20260102000000/zz_backup_custom-1_metadata',
  ...backupKeys(base('bbbb', '20260103000000', 4), 50),
  'volume_bbbb/misc/q_backup_w_metadata',
  'volume_bbbb/loose_backup_v_metadata',
  // After `volume_` in the listing, so that the first page is a big backup's, as in a bucket of them.
  'x-custom_backup_x_metadata',
  'x-other/dir/y_backup_z_metadata',
];

describeEachS3Server('listMetadataObjects', (server) => {
  let store: S3ObjectStore;
  let listings: number[] = [];
  const keysListed = (): number => listings.reduce((a, b) => a + b, 0);
  beforeAll(async () => {
    // Pages of 10, so that the bucket is walked and the big backups span several pages.
    store = await freshStore(server, { listPageSize: 10 });
    const empty = new Uint8Array(0);
    for (let i = 0; i < KEYS.length; i += 16) await Promise.all(KEYS.slice(i, i + 16).map((k) => store.putObject(store.config.bucket, k, empty)));
    listings = watchListings(store);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
  });

  it("finds every _metadata object of Cinder's layout, and the others, without listing the data objects", async () => {
    const expected = KEYS.filter((k) => k.endsWith('_metadata')).sort();
    listings.length = 0;
    expect(await store.listMetadataObjects(store.config.bucket)).toEqual(expected);
    const walked = keysListed();
    listings.length = 0;
    const all = await store.listObjects(store.config.bucket, '');
    // s3rver drops keys across pages of a whole-bucket listing (see s3-object-store.test.ts).
    if (server.faithful) expect(all.filter((k) => k.endsWith('_metadata'))).toEqual(expected);
    if (server.faithful) {
      // Of the big backups' 60, 12 and 50 data objects, only the first page of each directory is listed.
      expect(walked).toBeLessThan(KEYS.length / 2);
      expect(keysListed()).toBeGreaterThanOrEqual(KEYS.length);
    } else {
      // s3rver gives no common prefixes at the top of a bucket: the walk sees that and lists all.
      expect(walked).toBeGreaterThanOrEqual(KEYS.length);
    }
  });

  it('reads every page of a bucket of many small backups: fewer round trips than a walk', async () => {
    const many = await freshStore(server, { listPageSize: 10 });
    try {
      // 12 backups, one object each: the first page of 10 keys spans 10 directories, more than
      // the 8 calls a walk would run at once.
      const names = Array.from({ length: 12 }, (_, i) => `${base('dddd', `202601050000${String(i).padStart(2, '0')}`, 6)}_metadata`);
      for (const k of names) await many.putObject(many.config.bucket, k, new Uint8Array(1));
      const pages = watchListings(many);
      expect(await many.listMetadataObjects(many.config.bucket)).toEqual(names);
      expect(pages, 'two pages, no walk').toEqual([10, 2]);
    } finally {
      await many.close();
    }
  });

  it('reads the one page of a bucket that fits in it', async () => {
    const small = await freshStore(server);
    try {
      const names = backupKeys(base('cccc', '20260104000000', 5), 3);
      for (const k of names) await small.putObject(small.config.bucket, k, new Uint8Array(1));
      expect(await small.listMetadataObjects(small.config.bucket)).toEqual([names[4]]);
      expect(await small.listMetadataObjects('vb-no-such-bucket-here')).toEqual([]);
    } finally {
      await small.close();
    }
  });
});
