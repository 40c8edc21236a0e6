import { describe, expect, it } from 'vitest';
import { StoreCatalog } from '../src/catalog.js';
import { ChunkedBackupDriver } from '../src/chunked-backup-driver.js';
import { metadataObjectName, sha256ObjectName } from '../src/cinder-names.js';
import { encodeBackupMetadata, parseBackupMetadata, type BackupMetadata } from '../src/format/backup-metadata.js';
import { MemoryObjectStore } from '../src/memory-object-store.js';
import { BufferRestoreTarget } from '../src/restore-target.js';
import { makeVolume, mutateVolume, rejectionOf } from '../src/testing/test-data.js';
import { backupBytes, KiB, makeDriver } from './engine-helpers.js';

/** A stored backup of 512 KiB in four 128 KiB objects, and a way to rewrite its _metadata. */
async function fourObjects(compression: 'none' | 'zstd' = 'none') {
  const ctx = makeDriver({ compression, objectSize: 128 * KiB });
  const volume = makeVolume(512 * KiB, 31);
  const { record } = await backupBytes(ctx, volume);
  const container = record.container as string;
  const prefix = record.serviceMetadata as string;
  const metaName = metadataObjectName(prefix);
  const meta = parseBackupMetadata(await ctx.store.getObject(container, metaName), metaName);
  const rewrite = async (edit: (m: BackupMetadata) => void): Promise<void> => {
    const copy: BackupMetadata = { ...meta, objects: meta.objects.map((o) => ({ ...o })) };
    edit(copy);
    await ctx.store.putObject(container, metaName, encodeBackupMetadata(copy));
  };
  return { ctx, record, volume, metaName, rewrite, objects: meta.objects };
}

/** Restore and verify both refuse, naming `_metadata`, and the restore wrote nothing. */
async function expectRefused(
  ctx: ReturnType<typeof makeDriver>,
  record: Parameters<ChunkedBackupDriver['verify']>[0],
  pattern: RegExp,
  objectName: string,
) {
  const target = new BufferRestoreTarget();
  const err = await rejectionOf(ctx.driver.restore(record, 'v', target));
  expect(err).toMatchObject({ code: 'E_INTEGRITY', objectName });
  expect(String((err as Error).message)).toMatch(pattern);
  expect(target.data.length).toBe(0);
  await expect(ctx.driver.verify(record)).rejects.toMatchObject({ code: 'E_INTEGRITY', objectName });
}

describe('the layout of _metadata is checked before any byte is written', () => {
  it('an object of length 0 leaves bytes nobody accounts for', async () => {
    const b = await fourObjects();
    await b.rewrite((m) => {
      (m.objects[1] as BackupMetadata['objects'][number]).length = 0;
    });
    await expectRefused(b.ctx, b.record, /-00003 starts at 262144, where the full backup.s previous object ends at 131072/, b.metaName);
  });

  it('an offset off a hash block boundary, by one byte or by 1000', async () => {
    for (const offset of [1, 1000, 128 * KiB + 1]) {
      const b = await fourObjects();
      await b.rewrite((m) => {
        (m.objects[offset > 1000 ? 1 : 0] as BackupMetadata['objects'][number]).offset = offset;
      });
      await expectRefused(b.ctx, b.record, /starts at/, b.metaName);
    }
  });

  it('a full backup with a gap, an overlap, or objects out of order', async () => {
    const gap = await fourObjects();
    await gap.rewrite((m) => {
      (m.objects[2] as BackupMetadata['objects'][number]).offset += 32 * KiB;
    });
    await expectRefused(gap.ctx, gap.record, /previous object ends/, gap.metaName);

    const swapped = await fourObjects();
    await swapped.rewrite((m) => {
      m.objects.reverse();
    });
    await expectRefused(swapped.ctx, swapped.record, /starts at/, swapped.metaName);
  });

  it('an incremental object past the end of the volume, overlapping another, or cutting a block inside the volume', async () => {
    const ctx = makeDriver({ compression: 'none', objectSize: 128 * KiB });
    const v0 = makeVolume(512 * KiB, 3);
    const b0 = await backupBytes(ctx, v0);
    const v1 = mutateVolume(v0, 4, 6);
    const b1 = await backupBytes(ctx, v1, b0.record);
    const c = b1.record.container as string;
    const name = metadataObjectName(b1.record.serviceMetadata as string);
    const original = parseBackupMetadata(await ctx.store.getObject(c, name), name);
    expect(original.objects.length).toBeGreaterThan(1);
    const cases: [RegExp, (m: BackupMetadata) => void][] = [
      [/past the volume/, (m) => void ((m.objects.at(-1) as BackupMetadata['objects'][number]).offset = 512 * KiB)],
      [
        /before the object listed before it ends/,
        (m) =>
          void ((m.objects[1] as BackupMetadata['objects'][number]).offset = (m.objects[0] as BackupMetadata['objects'][number]).offset),
      ],
      [/not whole 32768-byte hash blocks/, (m) => void ((m.objects[0] as BackupMetadata['objects'][number]).length -= 1)],
    ];
    for (const [pattern, edit] of cases) {
      const copy = { ...original, objects: original.objects.map((o) => ({ ...o })) };
      edit(copy);
      await ctx.store.putObject(c, name, encodeBackupMetadata(copy));
      await expectRefused(ctx, b1.record, pattern, name);
    }
  });

  it('a compressed backup whose object lengths were shifted between objects', async () => {
    const b = await fourObjects('zstd');
    await b.rewrite((m) => {
      (m.objects[0] as BackupMetadata['objects'][number]).length += 32 * KiB;
      (m.objects[1] as BackupMetadata['objects'][number]).offset += 32 * KiB;
      (m.objects[1] as BackupMetadata['objects'][number]).length -= 32 * KiB;
    });
    // The layout is sound; the objects then decompress to other lengths than listed.
    const err = await rejectionOf(b.ctx.driver.restore(b.record, 'v', new BufferRestoreTarget()));
    expect(err).toMatchObject({ code: 'E_INTEGRITY' });
    expect(String((err as Error).message)).toMatch(/-0000[12]/);
  });

  it('an object listed twice', async () => {
    const b = await fourObjects();
    await b.rewrite((m) => {
      m.objects.push({ ...(m.objects[3] as BackupMetadata['objects'][number]), offset: 512 * KiB });
    });
    await expect(b.ctx.driver.verify(b.record)).rejects.toThrow(/names .*-00004 twice/);
  });
});

describe('a chain walk always ends', () => {
  it('two incrementals whose _metadata were swapped are refused, not walked for ever', async () => {
    const store = new MemoryObjectStore();
    const catalog = new StoreCatalog(store);
    const driver = new ChunkedBackupDriver(store, { catalog, objectSize: 64 * KiB });
    const ctx = { driver, store, catalog: { put: () => undefined } } as unknown as ReturnType<typeof makeDriver>;
    const v0 = makeVolume(256 * KiB, 8);
    const full = await backupBytes(ctx, v0);
    const v1 = mutateVolume(v0, 9, 2);
    const i1 = await backupBytes(ctx, v1, full.record);
    const i2 = await backupBytes(ctx, mutateVolume(v1, 10, 2), i1.record);
    const n1 = metadataObjectName(i1.record.serviceMetadata as string);
    const n2 = metadataObjectName(i2.record.serviceMetadata as string);
    const c1 = i1.record.container as string;
    const c2 = i2.record.container as string;
    const [m1, m2] = await Promise.all([store.getObject(c1, n1), store.getObject(c2, n2)]);
    await store.putObject(c1, n1, m2);
    await store.putObject(c2, n2, m1);
    for (const id of [i1.record.id, i2.record.id]) {
      const fresh = new ChunkedBackupDriver(store, { catalog: new StoreCatalog(store), objectSize: 64 * KiB });
      const err = await rejectionOf(fresh.catalog.get(id).then((r) => fresh.verify(r)));
      expect(err).toMatchObject({ code: 'E_INVALID_BACKUP' });
      expect(String((err as Error).message)).toMatch(/names backup/);
    }
  });

  it('a catalog that answers for another backup than the one asked for is refused', async () => {
    const ctx = makeDriver({ objectSize: 64 * KiB });
    const v0 = makeVolume(128 * KiB, 1);
    const full = await backupBytes(ctx, v0);
    const incr = await backupBytes(ctx, mutateVolume(v0, 2), full.record);
    // The parent's entry answers with the incremental itself: a loop no id set would catch.
    ctx.catalog.put({ ...incr.record });
    const lying = { get: async (id: string) => (id === full.record.id ? incr.record : ctx.catalog.get(id)) };
    const driver = new ChunkedBackupDriver(ctx.store, { catalog: lying, objectSize: 64 * KiB });
    await expect(driver.verify(incr.record)).rejects.toThrow(/the catalog gave backup/);
  });
});

describe('verify checks all that restore and Cinder rely on', () => {
  it('refuses volume_meta that is not valid JSON, before a restore writes anything', async () => {
    const b = await fourObjects();
    await b.rewrite((m) => {
      m.volumeMeta = '{"version": 2, "volume-base-metadata": {';
    });
    const target = new BufferRestoreTarget();
    await expect(b.ctx.driver.restore(b.record, 'v', target)).rejects.toMatchObject({ code: 'E_INVALID_BACKUP' });
    expect(target.data.length).toBe(0);
    await expect(b.ctx.driver.verify(b.record)).rejects.toThrow(/volume_meta is unusable/);
  });

  it('refuses a _sha256file that is not valid JSON, or belongs to another backup', async () => {
    const b = await fourObjects();
    const c = b.record.container as string;
    const list = sha256ObjectName(b.record.serviceMetadata as string);
    const good = await b.ctx.store.getObject(c, list);
    await b.ctx.store.putObject(c, list, good.subarray(0, good.length - 3));
    await expect(b.ctx.driver.verify(b.record)).rejects.toMatchObject({ code: 'E_INVALID_BACKUP' });

    const other = await fourObjects();
    const otherList = await other.ctx.store.getObject(
      other.record.container as string,
      sha256ObjectName(other.record.serviceMetadata as string),
    );
    await b.ctx.store.putObject(c, list, otherList);
    await expect(b.ctx.driver.verify(b.record)).rejects.toThrow(/belongs to backup/);
  });

  it('verify passes an untouched backup, and restore gives its bytes', async () => {
    const b = await fourObjects('zstd');
    await b.ctx.driver.verify(b.record);
    const target = new BufferRestoreTarget();
    await b.ctx.driver.restore(b.record, 'v', target);
    expect(target.data).toEqual(b.volume);
  });
});
