import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { metadataObjectName, objectStorePrefix, posixObjectPrefix, volumeIdOfPrefix } from '../src/cinder-names.js';
import { newBackupRecord } from '../src/backup-record.js';
import { MemoryCatalog, sortOldestFirst, StoreCatalog } from '../src/catalog.js';
import { ChunkedBackupDriver } from '../src/chunked-backup-driver.js';
import { encodeBackupMetadata, FORMAT_VERSION, type BackupMetadata } from '../src/format/backup-metadata.js';
import { MemoryObjectStore } from '../src/memory-object-store.js';
import { BufferRestoreTarget } from '../src/restore-target.js';
import { chainVolumeBytes, sizeInGiB } from '../src/stored-backup.js';
import { makeVolume, mutateVolume } from '../src/testing/test-data.js';
import { BufferVolumeSource } from '../src/volume-source.js';

describe('StoreCatalog', () => {
  it('rebuilds records from _metadata objects, parents before incrementals made in the same second', async () => {
    const store = new MemoryObjectStore();
    const catalog = new StoreCatalog(store);
    const driver = new ChunkedBackupDriver(store, { catalog, objectSize: 64 * 1024 });
    const at = new Date('2026-01-01T00:00:00Z');
    const v0 = makeVolume(150_000, 1);
    // Ids chosen so that sorting by id alone would put the child first.
    const full = await driver.backup(
      newBackupRecord({ id: 'ffff0000-full', volumeId: 'vol', createdAt: at, displayName: 'f' }),
      new BufferVolumeSource(v0),
    );
    const incr = await driver.backup(
      newBackupRecord({ id: '0000ffff-incr', volumeId: 'vol', parentId: full.record.id, createdAt: at, container: 'custom/place' }),
      new BufferVolumeSource(mutateVolume(v0, 2)),
    );
    const fresh = new StoreCatalog(store);
    const listed = await fresh.list();
    expect(listed.map((r) => r.id)).toEqual([full.record.id, incr.record.id]);
    expect(listed[0]).toMatchObject({ volumeId: 'vol', parentId: null, displayName: 'f', volumeBytes: 150_000, size: 1, objectCount: 3 });
    expect(await fresh.get(incr.record.id)).toMatchObject({ container: 'custom/place', parentId: full.record.id, volumeBytes: 150_000 });
    expect(await fresh.dependentsOf(full.record.id)).toEqual([incr.record.id]);
    await expect(fresh.get('nope')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it("lists one volume's backups without reading the others': a damaged backup of another volume is no obstacle", async () => {
    const store = new MemoryObjectStore();
    const driver = new ChunkedBackupDriver(store, { catalog: new StoreCatalog(store), objectSize: 64 * 1024 });
    const at = new Date('2026-01-01T00:00:00Z');
    const mine = await driver.backup(
      newBackupRecord({ id: 'aaaa-mine', volumeId: 'vol-a', createdAt: at }),
      new BufferVolumeSource(makeVolume(100_000, 1)),
    );
    const mineIncr = await driver.backup(
      newBackupRecord({ id: 'aaaa-incr', volumeId: 'vol-a', parentId: mine.record.id, createdAt: at }),
      new BufferVolumeSource(makeVolume(100_000, 2)),
    );
    const other = await driver.backup(
      newBackupRecord({ id: 'bbbb-other', volumeId: 'vol-b', createdAt: at }),
      new BufferVolumeSource(makeVolume(50_000, 3)),
    );
    const otherMeta = metadataObjectName(other.record.serviceMetadata as string);
    await store.putObject(other.record.container as string, otherMeta, new TextEncoder().encode('{"damaged'));

    const catalog = new StoreCatalog(store);
    expect((await catalog.list({ volumeId: 'vol-a' })).map((r) => r.id)).toEqual([mine.record.id, mineIncr.record.id]);
    expect(await catalog.dependentsOf(mine.record.id)).toEqual([mineIncr.record.id]);
    // The whole store still reads every backup, and says which one is damaged.
    await expect(new StoreCatalog(store).list()).rejects.toThrow(otherMeta);
    // A backup whose name gives no volume is read, and kept when its _metadata names the volume.
    const custom: BackupMetadata = {
      version: FORMAT_VERSION,
      backupId: 'cccc-custom',
      volumeId: 'vol-a',
      backupName: null,
      backupDescription: null,
      createdAt: '2026-01-02 00:00:00+00:00',
      objects: [],
      parentId: null,
      volumeMeta: null,
    };
    await store.putObject(mine.record.container as string, metadataObjectName('custom_backup_cccc-custom'), encodeBackupMetadata(custom));
    expect((await new StoreCatalog(store).list({ volumeId: 'vol-a' })).map((r) => r.id)).toEqual([
      mine.record.id,
      mineIncr.record.id,
      'cccc-custom',
    ]);
    expect(await new StoreCatalog(store).list({ volumeId: 'vol-c' })).toEqual([]);
  });

  it('keeps what it lists, not the object lists: its memory does not grow with the volumes', async () => {
    // Eight backups of 20000 objects each (a 156 GiB volume in 8 MiB objects): ~5 MB of JSON apiece.
    const store = new MemoryObjectStore();
    const objectCount = 20_000;
    let parentId: string | null = null;
    for (let b = 0; b < 8; b++) {
      const backupId = `0000000${b}-big`;
      const prefix = `volume_vol_2026010100000${b}_backup_${backupId}`;
      const container = store.containerFor(backupId, null);
      await store.ensureContainer(container);
      const objects = Array.from({ length: objectCount }, (_, i) => ({
        name: `${prefix}-${String(i + 1).padStart(5, '0')}`,
        offset: i * 8 * 2 ** 20,
        length: 8 * 2 ** 20,
        md5: i.toString(16).padStart(32, '0'),
        compression: 'zstd',
      }));
      const meta: BackupMetadata = {
        version: FORMAT_VERSION,
        backupId,
        volumeId: 'vol',
        backupName: null,
        backupDescription: null,
        createdAt: `2026-01-01 00:00:0${b}+00:00`,
        objects,
        parentId,
        volumeMeta: null,
      };
      await store.putObject(container, metadataObjectName(prefix), encodeBackupMetadata(meta));
      parentId = backupId;
    }
    // A heap reading is only meaningful right after a full collection.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    const catalog = new StoreCatalog(store);
    const listed = await catalog.list();
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(listed).toHaveLength(8);
    expect(listed.at(-1)).toMatchObject({ volumeBytes: objectCount * 8 * 2 ** 20, objectCount, parentId: '00000006-big' });
    // Holding the parsed lists took ~30 MB here; the records alone take a few kB.
    expect(grown).toBeLessThan(8 * 2 ** 20);
    expect(await catalog.get('00000003-big')).toBe(listed[3]);
  });

  it('lists a shared container once to find a whole chain, and again only for a backup it has not seen', async () => {
    // Watches the real in-memory store's whole-container listings; the data path is untouched.
    class CountingStore extends MemoryObjectStore {
      readonly wholeListings = new Map<string, number>();
      override async listObjects(container: string, prefix: string): Promise<string[]> {
        if (prefix === '') this.wholeListings.set(container, (this.wholeListings.get(container) ?? 0) + 1);
        return super.listObjects(container, prefix);
      }
    }
    const store = new CountingStore();
    const writer = new ChunkedBackupDriver(store, { catalog: new StoreCatalog(store), objectSize: 64 * 1024 });
    const at = new Date('2026-01-01T00:00:00Z');
    // One container for every backup, as an object store's bucket holds them.
    const bucket = 'bucket';
    let volume = makeVolume(200_000, 1);
    let parentId: string | null = null;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = newBackupRecord({ id: `chain-${i}`, volumeId: 'vol', parentId, createdAt: at, container: bucket });
      ids.push((await writer.backup(r, new BufferVolumeSource(volume))).record.id);
      parentId = r.id;
      volume = mutateVolume(volume, i + 2);
    }
    store.wholeListings.clear();

    const catalog = new StoreCatalog(store);
    const reader = new ChunkedBackupDriver(store, { catalog, objectSize: 64 * 1024 });
    expect(await catalog.get(ids[3] as string)).toMatchObject({ parentId: ids[2], volumeBytes: 200_000 });
    const target = new BufferRestoreTarget();
    expect((await reader.restore(await catalog.get(ids[3] as string), 'vol', target)).chain).toEqual(ids);
    expect(Buffer.from(target.data).equals(Buffer.from(mutateVolume(mutateVolume(mutateVolume(makeVolume(200_000, 1), 2), 3), 4)))).toBe(
      true,
    );
    expect(store.wholeListings.get(bucket), 'the bucket, listed once for the record, its chain and the restore').toBe(1);

    // Made after that listing, by another writer: found by listing again.
    const later = newBackupRecord({ id: 'chain-later', volumeId: 'vol', parentId: ids[3] as string, createdAt: at, container: bucket });
    await writer.backup(later, new BufferVolumeSource(volume));
    store.wholeListings.clear();
    expect((await catalog.get(later.id)).parentId).toBe(ids[3]);
    expect(store.wholeListings.get(bucket), 'listed again, once').toBe(1);
    // Deleted through this catalog's driver: gone for it too.
    await reader.deleteBackup(await catalog.get(later.id));
    await expect(catalog.get(later.id)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    expect((await catalog.list()).map((r) => r.id)).toEqual(ids);
  });

  it('asks a store that can find its _metadata objects for them instead of listing', async () => {
    // The real in-memory store, whose whole-container listing fails: the catalog must ask.
    class FindingStore extends MemoryObjectStore {
      asked = 0;
      override async listObjects(container: string, prefix: string): Promise<string[]> {
        if (prefix === '') throw new Error('listed a whole container at once');
        return super.listObjects(container, prefix);
      }
      async listMetadataObjects(container: string): Promise<string[]> {
        this.asked += 1;
        return (await super.listObjects(container, '')).filter((n) => n.endsWith('_metadata'));
      }
    }
    const store = new FindingStore();
    const driver = new ChunkedBackupDriver(store, { catalog: new MemoryCatalog(), objectSize: 64 * 1024 });
    const at = new Date('2026-01-01T00:00:00Z');
    await driver.backup(
      newBackupRecord({ id: 'found-full', volumeId: 'vol', createdAt: at, container: 'bucket' }),
      new BufferVolumeSource(makeVolume(100_000, 1)),
    );
    const catalog = new StoreCatalog(store);
    expect((await catalog.get('found-full')).volumeBytes).toBe(100_000);
    expect((await catalog.list()).map((r) => r.id)).toEqual(['found-full']);
    expect(store.asked).toBeGreaterThanOrEqual(2);
  });

  it('sorts by time first', () => {
    const a = newBackupRecord({ id: 'b', volumeId: 'v', createdAt: new Date(2000) });
    const b = newBackupRecord({ id: 'a', volumeId: 'v', createdAt: new Date(1000) });
    expect(sortOldestFirst([a, b]).map((r) => r.id)).toEqual(['a', 'b']);
  });
});

describe('volumeIdOfPrefix', () => {
  it("reads the volume from Cinder's posix and object-store prefixes, and nothing from others", () => {
    const record = newBackupRecord({
      id: 'b-1',
      volumeId: 'f0e1d2c3-0000-4000-8000-000000000001',
      createdAt: new Date('2026-03-04T05:06:07Z'),
    });
    expect(volumeIdOfPrefix(posixObjectPrefix(record))).toBe(record.volumeId);
    expect(volumeIdOfPrefix(objectStorePrefix(record, 'nova'))).toBe(record.volumeId);
    expect(volumeIdOfPrefix('volume_vol_with_underscores_20260304050607_backup_b-1')).toBe('vol_with_underscores');
    expect(volumeIdOfPrefix('custom_backup_b-1')).toBeNull();
    expect(volumeIdOfPrefix('volume_x_2026_backup_b-1')).toBeNull();
  });
});

describe('chain sizes', () => {
  const meta = (ends: [number, number][]) =>
    ({
      objects: ends.map(([offset, length], i) => ({ name: `o${i}`, offset, length, md5: '', compression: 'none' })),
    }) as unknown as BackupMetadata;

  it('a chain holds as much volume as its furthest object reaches; Cinder sizes it in whole GiB, at least 1', () => {
    expect(
      chainVolumeBytes([
        meta([
          [0, 100],
          [100, 50],
        ]),
        meta([[30, 10]]),
      ]),
    ).toBe(150);
    expect(chainVolumeBytes([meta([])])).toBe(0);
    expect([1, 1024 ** 3, 1024 ** 3 + 1, 0].map(sizeInGiB)).toEqual([1, 1, 2, 1]);
  });
});
