import { describe, expect, it } from 'vitest';
import { newBackupRecord } from '../src/backup-record.js';
import { ChunkedBackupDriver, DEFAULT_HASH_BLOCK_SIZE, MAX_OBJECT_SIZE } from '../src/chunked-backup-driver.js';
import { ConfigError } from '../src/errors.js';
import { MemoryObjectStore } from '../src/memory-object-store.js';
import { makeVolume } from '../src/testing/test-data.js';
import { BufferVolumeSource } from '../src/volume-source.js';
import { backupBytes, KiB, makeDriver, restoreBytes } from './engine-helpers.js';

const GiB = 1024 ** 3;

describe('the object size of new backups is bounded', () => {
  it.each([MAX_OBJECT_SIZE + DEFAULT_HASH_BLOCK_SIZE, 4 * GiB, 100 * GiB])(
    'refuses %d bytes with a ConfigError naming objectSize and the bound',
    (objectSize) => {
      let err: unknown;
      try {
        new ChunkedBackupDriver(new MemoryObjectStore(), { objectSize });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect(err).toMatchObject({ field: 'objectSize', message: expect.stringContaining(`more than ${MAX_OBJECT_SIZE} bytes (256 MiB)`) });
    },
  );

  it('takes the bound itself; nothing is allocated until a backup runs', async () => {
    const driver = new ChunkedBackupDriver(new MemoryObjectStore(), { objectSize: MAX_OBJECT_SIZE, workers: 0 });
    await driver.checkForSetupError();
    // A small volume is one short object whatever the object size.
    const result = await driver.backup(newBackupRecord({ volumeId: 'v' }), new BufferVolumeSource(makeVolume(96 * KiB, 3)));
    expect(result.record.objectCount).toBe(1);
    await driver.close();
  });

  it('keeps refusing sizes that are not a multiple of the hash block', () => {
    expect(() => new ChunkedBackupDriver(new MemoryObjectStore(), { objectSize: 1000 })).toThrow(ConfigError);
  });

  it('does not bound reading: a backup restores whatever object size the reader was set up with', async () => {
    // The object size is a setting for writing: restore takes each object's length from _metadata.
    const writer = makeDriver({ objectSize: 512 * KiB });
    const data = makeVolume(1536 * KiB + 100, 5);
    const { record } = await backupBytes(writer, data);
    const reader = { ...writer, driver: new ChunkedBackupDriver(writer.store, { objectSize: 32 * KiB, catalog: writer.catalog }) };
    expect(Buffer.from(await restoreBytes(reader, record)).equals(Buffer.from(data))).toBe(true);
    await Promise.all([writer.driver.close(), reader.driver.close()]);
  });
});
