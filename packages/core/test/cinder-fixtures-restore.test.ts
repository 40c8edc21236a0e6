import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupRecord } from '../src/backup-record.js';
import { newBackupRecord } from '../src/backup-record.js';
import { MemoryCatalog } from '../src/catalog.js';
import { ChunkedBackupDriver } from '../src/chunked-backup-driver.js';
import { MemoryObjectStore } from '../src/memory-object-store.js';
import { BufferRestoreTarget, FileRestoreTarget } from '../src/restore-target.js';
import { copyCinderFixtureBackup, loadCinderFixtures, type CinderFixtures } from '../src/testing/cinder-fixtures.js';
import { sha256Hex } from '../src/testing/test-data.js';
import { BufferVolumeSource } from '../src/volume-source.js';
import { FIXTURES_DIR } from './fixtures.js';

describe('backups written by real Cinder', () => {
  let fixtures: CinderFixtures;
  let store: MemoryObjectStore;
  const catalog = new MemoryCatalog();
  const records = new Map<string, BackupRecord>();
  let tmp: string;

  beforeAll(async () => {
    fixtures = await loadCinderFixtures(FIXTURES_DIR);
    store = new MemoryObjectStore();
    for (const b of fixtures.backups) {
      const record = await copyCinderFixtureBackup(store, b);
      catalog.put(record);
      records.set(b.key, record);
    }
    tmp = await mkdtemp(join(tmpdir(), 'volback-fixtures-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function restoreBytes(key: string): Promise<Uint8Array> {
    const target = new BufferRestoreTarget();
    await new ChunkedBackupDriver(store, { catalog }).restore(records.get(key) as BackupRecord, 'v', target);
    return target.data;
  }

  it.each(['zlib/full', 'zlib/incr1', 'zlib/incr2'])('restores %s bit-exact', async (key) => {
    const b = fixtures.backups.find((x) => x.key === key);
    if (!b) throw new Error(`fixture ${key} missing from manifest`);
    const driver = new ChunkedBackupDriver(store, { catalog, objectSize: 1 << 20 });
    const target = new BufferRestoreTarget();
    const result = await driver.restore(records.get(key) as BackupRecord, 'restored-volume', target);
    expect(sha256Hex(target.data)).toBe(b.restoreSha256);
    expect(result.chain.length).toBe(key === 'zlib/full' ? 1 : key === 'zlib/incr1' ? 2 : 3);
    await driver.verify(records.get(key) as BackupRecord);
  });

  it('restores the chain into a fresh file, carrying the volume metadata over', async () => {
    const driver = new ChunkedBackupDriver(store, { catalog });
    const path = join(tmp, 'incr2.img');
    const target = await FileRestoreTarget.open(path);
    await driver.restore(records.get('zlib/incr2') as BackupRecord, 'vol-x', target);
    await target.close();
    expect(sha256Hex(await readFile(path))).toBe(fixtures.images['modified2.img']?.sha256);
    expect((await stat(path)).size).toBe(8 * 1024 * 1024);
    const meta = JSON.parse(await driver.getMetadata('vol-x'));
    expect(meta.version).toBe(2);
    expect(meta['volume-metadata']).toEqual({ purpose: 'fixture', owner: 'cinder-compat' });
    expect(meta['volume-base-metadata'].display_name).toBe('fixture-volume');
  });

  it('takes an incremental on top of a Cinder backup, and restores it', async () => {
    const driver = new ChunkedBackupDriver(store, { catalog, objectSize: 1 << 20, compression: 'zlib' });
    // Cinder's restore of incr2 (checked against the manifest above), then changed.
    const image = new Uint8Array(await restoreBytes('zlib/incr2'));
    expect(sha256Hex(image)).toBe(fixtures.images['modified2.img']?.sha256);
    image.fill(7, 5_000_000, 5_100_000);
    const record = newBackupRecord({ volumeId: records.get('zlib/incr2')?.volumeId as string, parentId: records.get('zlib/incr2')?.id });
    const result = await driver.backup(record, new BufferVolumeSource(image));
    expect(result.kind).toBe('incremental');
    expect(result.record.objectCount).toBe(1);
    catalog.put(result.record);
    const target = new BufferRestoreTarget();
    const restored = await driver.restore(result.record, 'v', target);
    expect(restored.chain.length).toBe(4);
    expect(sha256Hex(target.data)).toBe(sha256Hex(image));
  });
});
