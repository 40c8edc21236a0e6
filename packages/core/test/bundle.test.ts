import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// What hosts and drivers load: the bundle the package exports, not the compiler's output.
// `.ci/run` builds before testing; a plain `vitest run` sees the last build.
const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, { default: string }>;
};
const exported = (entry: string): URL => new URL(`../${packageJson.exports[entry]?.default ?? 'missing'}`, import.meta.url);

const FIXTURE = {
  key: 'k',
  id: 'b',
  parentId: null,
  volumeId: 'v',
  container: 'c',
  serviceMetadata: 'p',
  objectCount: 0,
  restoreSha256: '',
  restoreImage: '',
};

describe('the published bundle', () => {
  it('exports files that exist, with the worker script beside them', () => {
    for (const entry of ['.', './testing']) expect(existsSync(exported(entry)), entry).toBe(true);
    // The engine finds its worker as new URL('./engine-worker.js', import.meta.url).
    expect(existsSync(new URL('./engine-worker.js', exported('.')))).toBe(true);
  });

  it('backs up and restores on worker threads, with one copy of each class for both entries', async () => {
    const core = (await import(exported('.').href)) as typeof import('../src/index.js');
    const testing = (await import(exported('./testing').href)) as typeof import('../src/testing/index.js');
    const store = new core.MemoryObjectStore();
    const catalog = new core.MemoryCatalog();
    const driver = new core.ChunkedBackupDriver(store, { objectSize: 256 * 1024, catalog, workers: 2 });
    try {
      const volume = testing.makeVolume(1024 * 1024 + 4096, 3);
      const { record } = await driver.backup(core.newBackupRecord({ volumeId: 'v' }), new core.BufferVolumeSource(volume));
      catalog.put(record);
      const target = new core.BufferRestoreTarget();
      await driver.restore(record, 'v', target);
      expect(target.data).toEqual(volume);
      // A copy of core inside the testing entry would make its errors foreign to the index's classes.
      const fixture = { ...FIXTURE, dir: mkdtempSync(join(tmpdir(), 'volback-bundle-')), createdAt: 'not a date' };
      const err = await testing.rejectionOf(testing.copyCinderFixtureBackup(store, fixture));
      expect(err).toBeInstanceOf(core.InvalidBackupError);
      rmSync(fixture.dir, { recursive: true });
    } finally {
      await driver.close();
    }
  });
});
