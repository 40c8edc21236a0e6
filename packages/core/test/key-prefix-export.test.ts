import { describe, expect, it } from 'vitest';
import { createMemoryTransport } from './kit-memory-transport.js';
import { ChunkedBackupDriver, BufferVolumeSource, MemoryCatalog, newBackupRecord, BufferRestoreTarget } from '../src/index.js';
import { decodeBackupRecord, encodeBackupRecord } from '../src/record-string.js';
import { defineObjectStore, objectStoreLayout } from '../src/driver.js';
import { makeVolume } from '../src/testing/index.js';

/** One bucket seen through three layouts: under `team/a`, under `team/b`, and with no key prefix. */
function views() {
  const transport = createMemoryTransport();
  const under = (keyPrefix?: string) =>
    defineObjectStore('kit', {
      ...transport,
      service: 'test.Service',
      maxConcurrency: 2,
      layout: objectStoreLayout({ availabilityZone: 'nova', defaultContainer: 'bk', ...(keyPrefix ? { keyPrefix } : {}) }),
    });
  return { a: under('team/a'), b: under('team/b'), none: under() };
}

describe('a key prefix in export records', () => {
  it('is exported, and an import into a store with another prefix is refused naming the one to use', async () => {
    const { a, b, none } = views();
    const catalog = new MemoryCatalog();
    const driver = new ChunkedBackupDriver(a, { objectSize: 64 * 1024, catalog, workers: 0 });
    const volume = makeVolume(200 * 1024, 7);
    const { record } = await driver.backup(newBackupRecord({ volumeId: 'v' }), new BufferVolumeSource(volume));
    const exported = decodeBackupRecord(encodeBackupRecord(record, await driver.exportRecord(record)));
    expect(exported.driverInfo).toEqual({ key_prefix: 'team/a' });

    for (const other of [b, none]) {
      const elsewhere = new ChunkedBackupDriver(other, { catalog: new MemoryCatalog(), workers: 0 });
      await expect(elsewhere.importRecord(exported.record, exported.driverInfo)).rejects.toMatchObject({
        code: 'E_CONFIG',
        field: 'keyPrefix',
        message: expect.stringContaining('open the store with keyPrefix "team/a"'),
      });
      await elsewhere.close();
    }
    const same = new ChunkedBackupDriver(a, { catalog: new MemoryCatalog(), workers: 0 });
    await expect(same.importRecord(exported.record, exported.driverInfo)).resolves.toBeUndefined();
    const target = new BufferRestoreTarget();
    await driver.restore(record, 'v', target);
    expect(target.data).toEqual(volume);
    await driver.close();
    await same.close();
  });

  it('is absent for a store without one, as real Cinder exports', async () => {
    const { none } = views();
    const driver = new ChunkedBackupDriver(none, { catalog: new MemoryCatalog(), workers: 0 });
    expect(await driver.exportRecord(newBackupRecord({ volumeId: 'v' }))).toEqual({});
    await driver.close();
  });
});
