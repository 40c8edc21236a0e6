import { describe, expect, it } from 'vitest';
import { defineObjectStore } from '../src/driver/define-object-store.js';
import { objectStoreLayout } from '../src/driver/layouts.js';
import type { ListQuery, ObjectStoreDefinition } from '../src/driver/store-definition.js';

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
const METADATA = (keys: readonly string[]): string[] => keys.filter((k) => k.endsWith('_metadata')).sort();

interface BucketOptions {
  /** Entries (keys and common prefixes) a page holds, as S3's MaxKeys. */
  pageSize?: number;
  /** Declare the delimiter and startAfter: without, core lists every page. */
  walkable?: boolean;
  /** Answer a delimiter listing at the top of the bucket with its top-level keys only, no common prefixes, as s3rver does. */
  flatTop?: boolean;
  keyPrefix?: string;
  /** Match one character less of every asked prefix, as a store whose listing is looser than asked. */
  loose?: boolean;
}

/**
 * A bucket with S3's listing rules: keys in byte order from `startAfter`, a delimiter folding
 * keys into common prefixes that count as one entry each, pages of `pageSize` entries. It counts
 * every key and call it lists, to show what the walk saves.
 */
function bucketStore(keys: readonly string[], options: BucketOptions = {}) {
  const { pageSize = 10, walkable = true, flatTop = false, keyPrefix, loose = false } = options;
  const sorted = [...keys].sort();
  const counted = { calls: 0, keys: 0, queries: [] as ListQuery[] };
  const listPage: ObjectStoreDefinition['listPage'] = async (_container, query) => {
    counted.calls++;
    counted.queries.push(query);
    const after = query.cursor ?? query.startAfter ?? '';
    const folds = query.delimiter !== undefined;
    const flat = folds && flatTop && query.prefix === '';
    const entries: { entry: string; folded: boolean }[] = [];
    for (const key of sorted) {
      if (!key.startsWith(loose ? query.prefix.slice(0, -1) : query.prefix)) continue;
      const slash = folds ? key.indexOf('/', query.prefix.length) : -1;
      if (flat && slash >= 0) continue;
      const entry = slash < 0 ? key : key.slice(0, slash + 1);
      if (entry > after && entries.at(-1)?.entry !== entry) entries.push({ entry, folded: slash >= 0 });
    }
    const page = entries.slice(0, pageSize);
    const names = page.filter((e) => !e.folded).map((e) => e.entry);
    counted.keys += names.length;
    const next = entries.length > pageSize ? page.at(-1)?.entry : undefined;
    return { names, prefixes: page.filter((e) => e.folded).map((e) => e.entry), ...(next === undefined ? {} : { next }) };
  };
  const store = defineObjectStore('bucket', {
    service: 'test.Bucket',
    layout: objectStoreLayout({ availabilityZone: 'nova', defaultContainer: 'b', ...(keyPrefix === undefined ? {} : { keyPrefix }) }),
    maxConcurrency: 8,
    ...(walkable ? { listing: { delimiter: true, startAfter: true } } : {}),
    ensureContainer: async () => undefined,
    put: async () => undefined,
    get: async () => new Uint8Array(0),
    delete: async () => undefined,
    listPage,
  });
  return { store, counted };
}

describe('listMetadataObjects on a bucket store', () => {
  it("walks Cinder's layout: every _metadata object, the others too, without listing the data objects", async () => {
    const { store, counted } = bucketStore(KEYS);
    expect(await store.listMetadataObjects?.('b')).toEqual(METADATA(KEYS));
    // Of the big backups' 60, 12 and 50 data objects, only the first page of each directory is listed.
    expect(counted.keys).toBeLessThan(KEYS.length / 2);
    expect(counted.queries.some((q) => q.delimiter === '/')).toBe(true);
    expect(counted.queries.some((q) => q.startAfter !== undefined)).toBe(true);
  });

  it('lists every page of a store whose listing has no delimiter or startAfter', async () => {
    const { store, counted } = bucketStore(KEYS, { walkable: false });
    expect(await store.listMetadataObjects?.('b')).toEqual(METADATA(KEYS));
    expect(counted.keys).toBe(KEYS.length);
    expect(counted.queries.every((q) => q.delimiter === undefined && q.startAfter === undefined)).toBe(true);
  });

  it('reads the pages on from the first when the top of the bucket shows no common prefixes', async () => {
    const { store, counted } = bucketStore(KEYS, { flatTop: true });
    expect(await store.listMetadataObjects?.('b')).toEqual(METADATA(KEYS));
    // The first plain page, the top that disagrees with it (its one key), then the plain pages after the first.
    expect(counted.keys).toBe(KEYS.length + 1);
  });

  it('reads every page of a bucket of many small backups: fewer round trips than a walk', async () => {
    // 12 backups, one object each: the first page of 10 keys spans 10 directories, more than
    // the 8 calls a walk would run at once.
    const names = Array.from({ length: 12 }, (_, i) => `${base('dddd', `202601050000${String(i).padStart(2, '0')}`, 6)}_metadata`);
    const { store, counted } = bucketStore(names);
    expect(await store.listMetadataObjects?.('b')).toEqual(names);
    expect(counted.calls, 'two pages, no walk, the first not read twice').toBe(2);
  });

  it('reads the one page of a bucket that fits in it', async () => {
    const names = backupKeys(base('cccc', '20260104000000', 5), 3);
    const { store, counted } = bucketStore(names);
    expect(await store.listMetadataObjects?.('b')).toEqual([names[4]]);
    expect(counted.calls).toBe(1);
  });

  it('walks below a key prefix, which the names it returns do not carry, and nothing beside it', async () => {
    const prefixed = KEYS.map((k) => `tenant/a/${k}`);
    const beside = ['tenant/b/volume_x/y_metadata', 'tenant/a-other_metadata'];
    const { store, counted } = bucketStore([...prefixed, ...beside], { keyPrefix: 'tenant/a' });
    expect(await store.listMetadataObjects?.('b')).toEqual(METADATA(KEYS));
    expect(counted.keys).toBeLessThan(KEYS.length / 2);
    expect(counted.queries.every((q) => q.prefix.startsWith('tenant/a/') && (q.startAfter ?? 'tenant/a/').startsWith('tenant/a/'))).toBe(
      true,
    );
    // A listing looser than asked hands back names beside the prefix: they stay out.
    const { store: loose } = bucketStore([...prefixed, ...beside], { keyPrefix: 'tenant/a', loose: true });
    expect(await loose.listMetadataObjects?.('b')).toEqual(METADATA(KEYS));
  });
});
