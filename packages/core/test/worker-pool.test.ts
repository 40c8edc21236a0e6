import { describe, expect, it } from 'vitest';
// The compiled engine: worker threads need the built worker script, which only dist has.
import * as built from '../dist/index.js';
import { makeVolume, mutateVolume, sha256Hex } from '../src/testing/test-data.js';

const KiB = 1024;

describe('the engine on worker threads (built package)', () => {
  it('backs up and restores a chain, and reports corruption found on a worker as E_INTEGRITY', async () => {
    const store = new built.MemoryObjectStore();
    const catalog = new built.MemoryCatalog();
    const driver = new built.ChunkedBackupDriver(store, { workers: 2, objectSize: 128 * KiB, catalog, compression: 'zstd' });
    try {
      const v0 = makeVolume(3 * 1024 * KiB + 5, 7);
      const v1 = mutateVolume(v0, 8);
      const b0 = await driver.backup(built.newBackupRecord({ volumeId: 'v' }), new built.BufferVolumeSource(v0));
      catalog.put(b0.record);
      const b1 = await driver.backup(built.newBackupRecord({ volumeId: 'v', parentId: b0.record.id }), new built.BufferVolumeSource(v1));
      catalog.put(b1.record);
      expect(b1.kind).toBe('incremental');
      for (const [b, v] of [[b0, v0], [b1, v1]] as const) {
        const target = new built.BufferRestoreTarget();
        await driver.restore(b.record, 'r', target);
        expect(sha256Hex(target.data)).toBe(sha256Hex(v));
      }
      const container = b0.record.container as string;
      const victim = `${b0.record.serviceMetadata}-00003`;
      const bytes = await store.getObject(container, victim);
      bytes[10] = (bytes[10] as number) ^ 0xff;
      await store.putObject(container, victim, bytes);
      await expect(driver.verify(b0.record)).rejects.toMatchObject({ code: 'E_INTEGRITY', objectName: victim });
    } finally {
      await driver.close();
    }
  });
});
