import {
  BufferRestoreTarget,
  BufferVolumeSource,
  MemoryCatalog,
  newBackupRecord,
  type BackupDriver,
  type BackupRecord,
  type ObjectStore,
} from '@volback/core';
import { fileURLToPath } from 'node:url';
import { copyCinderFixtureBackup, loadCinderFixtures, type CinderFixtures } from '@volback/core/testing';
import { createDriverFor } from './driver-factory.js';
import { GroupHarness, resolveCapabilities } from './harness.js';
import type { ConformanceRunner, ConformanceTarget } from './runner.js';
import type { StoreVerdict } from './store-verdict.js';
import { describeDifference, mutateVolume, sha256Hex } from './test-data.js';
import { trackWrites, type TrackedStore } from './write-tracker.js';

/** The Cinder group's name, usable as a key of `target.skip`. */
export const CINDER_GROUP = 'Cinder compatibility';

/** The environment variable naming the fixtures folder when the target gives none. */
export const FIXTURES_ENV = 'VOLBACK_CINDER_FIXTURES';

/** The copy of the fixtures shipped in this package: the default, so every driver author runs the group. */
export const BUNDLED_FIXTURES = fileURLToPath(new URL('../fixtures/cinder', import.meta.url));

/** The three backups the fixtures hold, in chain order, by their manifest key. */
const FIXTURE_KEYS = ['zlib/full', 'zlib/incr1', 'zlib/incr2'] as const;

/**
 * Registers the Cinder-compatibility group: the backups real Cinder wrote (the fixtures) are
 * copied into the store under test with their own object names, then restored through the
 * driver and compared with Cinder's images by SHA-256; finally an incremental is made on top
 * of Cinder's last backup and restored. Needs a store; skipped with a note when the fixtures
 * are switched off, and, with a `verdict`, when the store failed its ObjectStore contract.
 */
export function defineCinderCompat(runner: ConformanceRunner, target: ConformanceTarget, verdict?: StoreVerdict): void {
  const createStore = target.createStore;
  if (!createStore) return;
  const { describe, expect } = runner;
  const fixturesDir = target.fixturesDir ?? process.env[FIXTURES_ENV] ?? BUNDLED_FIXTURES;

  describe(CINDER_GROUP, () => {
    let store: ObjectStore;
    let driver: BackupDriver;
    let fixtures: CinderFixtures;
    let tracked: TrackedStore | undefined;
    let enabled = false;
    const catalog = new MemoryCatalog();
    const records = new Map<string, BackupRecord>();
    const extra: BackupRecord[] = [];
    const t = new GroupHarness(runner, target, CINDER_GROUP, verdict ? { gates: [verdict.gate] } : {});
    const gates = [() => (enabled ? null : 'the Cinder fixtures are switched off (capabilities.cinderFixtures)')];

    runner.beforeAll(async () => {
      tracked = trackWrites(await createStore(), target);
      store = tracked.store;
      if (!resolveCapabilities(target, store).cinderFixtures) return;
      enabled = true;
      fixtures = await loadCinderFixtures(fixturesDir);
      const d = await createDriverFor(target, store, { catalog });
      if (!d) throw new Error('conformance: no driver to test');
      driver = d;
      for (const b of fixtures.backups) {
        const container = store.containerFor(b.id, null);
        const record = await copyCinderFixtureBackup(store, b, container);
        catalog.put(record);
        records.set(b.key, record);
      }
    }, 300_000);

    runner.afterAll(async () => {
      for (const r of extra) await driver?.deleteBackup(r).catch(() => undefined);
      await tracked?.cleanUp();
      await store?.close?.();
    }, 300_000);

    async function restoreFixture(key: string): Promise<Uint8Array> {
      const record = records.get(key);
      if (!record) throw new Error(`fixture ${key} is not in manifest.json`);
      const into = new BufferRestoreTarget();
      await driver.restore(record, globalThis.crypto.randomUUID(), into);
      return into.data;
    }

    for (const key of FIXTURE_KEYS) {
      t.test(
        `restores Cinder's ${key} backup to Cinder's image`,
        async () => {
          const b = fixtures.backups.find((x) => x.key === key);
          if (!b) throw new Error(`fixture ${key} is not in manifest.json`);
          const image = fixtures.images[b.restoreImage];
          const data = await restoreFixture(key);
          expect(data.length).toBe(image?.size);
          expect(sha256Hex(data)).toBe(b.restoreSha256);
          expect(sha256Hex(data)).toBe(image?.sha256);
        },
        { gates, timeout: 180_000 },
      );
    }

    t.test(
      "an incremental on top of Cinder's backup restores",
      async () => {
        const parent = records.get('zlib/incr2');
        if (!parent) throw new Error('fixture zlib/incr2 is not in manifest.json');
        const changed = mutateVolume(await restoreFixture('zlib/incr2'), 42, 5);
        const record = newBackupRecord({ volumeId: parent.volumeId, parentId: parent.id });
        const result = await driver.backup(record, new BufferVolumeSource(changed));
        catalog.put(result.record);
        extra.push(result.record);
        expect(result.kind, "Cinder's _sha256file serves as the parent").toBe('incremental');
        const into = new BufferRestoreTarget();
        await driver.restore(result.record, globalThis.crypto.randomUUID(), into);
        expect(describeDifference(into.data, changed)).toBeNull();
      },
      { gates, timeout: 180_000 },
    );
  });
}
