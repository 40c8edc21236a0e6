import {
  BufferRestoreTarget,
  BufferVolumeSource,
  DEFAULT_OBJECT_SIZE,
  MemoryCatalog,
  newBackupRecord,
  type BackupDriver,
  type BackupOptions,
  type BackupRecord,
  type BackupResult,
  type ObjectStore,
  type ProgressEvent,
} from '@volback/core';
import { decodeBackupRecord, encodeBackupRecord } from '@volback/core/format';
import { createDriverFor } from './driver-factory.js';
import { GroupHarness, resolveBackdoor } from './harness.js';
import type { ConformanceRunner, ConformanceTarget, StorageBackdoor } from './runner.js';
import type { StoreVerdict } from './store-verdict.js';
import { describeDifference, errorCodeOf, makeVolume, mutateVolume, rejectionOf } from './test-data.js';
import { trackWrites, type TrackedStore } from './write-tracker.js';

/** The BackupDriver group's name, usable as a key of `target.skip`. */
export const BACKUP_DRIVER_GROUP = 'BackupDriver contract';

const MIB = 1024 * 1024;
/** The engine's objects, as a host's backups have them: a store that cannot hold them fails here as it would there. */
const OBJECT_BYTES = DEFAULT_OBJECT_SIZE;
/** Two objects, the second short; not a multiple of the 32 KiB hash block, so the tail is a partial block. */
const VOLUME_BYTES = OBJECT_BYTES + 12_345;
/** Three objects: one whole object between the first and the short last one. */
const LONG_VOLUME_BYTES = 2 * OBJECT_BYTES + 12_345;
const TIMEOUT = 180_000;

/**
 * Registers the BackupDriver contract: full and incremental backups restored bit-exact at
 * every point, a parent of another size, an empty change, delete, export/import, volume
 * metadata, corruption detection, cancellation, progress and the store's container listing.
 * Runs when the target gives a store (core's chunked engine is used, with its default object
 * size) or its own `createDriver`. With a `verdict` from the ObjectStore group, a store that
 * failed that group fails one test here, naming what it failed, and the rest are skipped.
 */
export function defineBackupDriverContract(runner: ConformanceRunner, target: ConformanceTarget, verdict?: StoreVerdict): void {
  if (!target.createStore && !target.createDriver) return;
  const { describe, expect } = runner;

  describe(BACKUP_DRIVER_GROUP, () => {
    let store: ObjectStore | undefined;
    let driver: BackupDriver;
    let backdoor: StorageBackdoor | undefined;
    const catalog = new MemoryCatalog();
    const made: BackupRecord[] = [];
    const t = new GroupHarness(runner, target, BACKUP_DRIVER_GROUP, verdict ? { gates: [verdict.gate] } : {});
    let tracked: TrackedStore | undefined;
    const needsRaw = () => (store || backdoor ? null : 'needs a store or a backdoor to see stored objects');

    runner.beforeAll(async () => {
      tracked = target.createStore ? trackWrites(await target.createStore(), target) : undefined;
      store = tracked?.store;
      backdoor = resolveBackdoor(target, store);
      const d = await createDriverFor(target, store, { catalog });
      if (!d) throw new Error('conformance: no driver to test (give createStore or createDriver)');
      driver = d;
    }, TIMEOUT);
    runner.afterAll(async () => {
      // Newest first, so no incremental outlives its parent.
      for (const r of made.reverse()) await driver?.deleteBackup(r).catch(() => undefined);
      await tracked?.cleanUp();
      await store?.close?.();
    }, TIMEOUT);

    async function backup(
      data: Uint8Array,
      input: { volumeId?: string; parentId?: string | null } = {},
      opts: BackupOptions = {},
    ): Promise<BackupResult> {
      const record = newBackupRecord({ volumeId: input.volumeId ?? globalThis.crypto.randomUUID(), parentId: input.parentId ?? null });
      const result = await driver.backup(record, new BufferVolumeSource(data), opts);
      catalog.put(result.record);
      made.push(result.record);
      return result;
    }

    async function restore(record: BackupRecord, volumeId = globalThis.crypto.randomUUID()): Promise<Uint8Array> {
      const target = new BufferRestoreTarget();
      await driver.restore(record, volumeId, target);
      return target.data;
    }

    /** Names of a backup's stored objects, from the store or, failing that, the backdoor. */
    async function storedObjects(container: string, prefix: string): Promise<string[]> {
      if (store) return (await store.listObjects(container, prefix)).sort();
      if (backdoor) return (await backdoor.listAll(container)).filter((n) => n.startsWith(prefix)).sort();
      throw new Error('no view of stored objects');
    }

    function location(record: BackupRecord): { container: string; prefix: string } {
      expect(record.container, 'record.container is set by backup').not.toBeNull();
      expect(record.serviceMetadata, 'record.serviceMetadata is set by backup').not.toBeNull();
      return { container: record.container as string, prefix: record.serviceMetadata as string };
    }

    if (verdict?.expected) {
      t.test('the store passes its ObjectStore contract, which every test below builds on', (skip) => verdict.check(skip), {
        precondition: true,
      });
    }

    t.test('checkForSetupError resolves on a working driver', async () => {
      await driver.checkForSetupError();
    });

    t.test(
      'full backup restores bit-exact (random, zero and text regions; partial last block)',
      async () => {
        const volume = makeVolume(LONG_VOLUME_BYTES, 1);
        const result = await backup(volume);
        expect(result.kind).toBe('full');
        expect(result.volumeBytes).toBe(LONG_VOLUME_BYTES);
        expect(result.record.objectCount).toBeGreaterThan(0);
        expect(result.record.size, 'size in GiB, rounded up').toBe(1);
        expect(describeDifference(await restore(result.record), volume)).toBeNull();
        if (store || backdoor) {
          const { container, prefix } = location(result.record);
          const names = await storedObjects(container, prefix);
          expect(names, 'the object list is stored').toContain(`${prefix}_metadata`);
          expect(names.filter((n) => /-\d{5,}$/.test(n.slice(prefix.length))).length, 'data objects').toBe(result.record.objectCount);
        }
      },
      { timeout: TIMEOUT },
    );

    t.test(
      'incremental chain of 3 restores every point',
      async () => {
        const volumeId = globalThis.crypto.randomUUID();
        const v0 = makeVolume(VOLUME_BYTES, 2);
        const v1 = mutateVolume(v0, 3);
        const v2 = mutateVolume(v1, 4);
        const b0 = await backup(v0, { volumeId });
        const b1 = await backup(v1, { volumeId, parentId: b0.record.id });
        const b2 = await backup(v2, { volumeId, parentId: b1.record.id });
        expect(b1.kind).toBe('incremental');
        expect(b2.kind).toBe('incremental');
        expect(b1.record.parentId).toBe(b0.record.id);
        expect(b1.storedBytes, 'an incremental stores less than the full').toBeLessThan(b0.storedBytes);
        expect(describeDifference(await restore(b0.record), v0), 'point 0').toBeNull();
        expect(describeDifference(await restore(b1.record), v1), 'point 1').toBeNull();
        expect(describeDifference(await restore(b2.record), v2), 'point 2').toBeNull();
      },
      { timeout: TIMEOUT },
    );

    t.test(
      'a parent of another size gives a full backup that restores',
      async () => {
        const volumeId = globalThis.crypto.randomUUID();
        const small = makeVolume(2 * MIB, 5);
        const grown = makeVolume(2 * MIB + 40_000, 6);
        grown.set(small);
        const parent = await backup(small, { volumeId });
        const child = await backup(grown, { volumeId, parentId: parent.record.id });
        expect(child.kind).toBe('full');
        expect(child.fullBecause).toBe('parent-size-changed');
        expect(describeDifference(await restore(child.record), grown)).toBeNull();
        expect(describeDifference(await restore(parent.record), small), 'the parent still restores').toBeNull();
      },
      { timeout: TIMEOUT },
    );

    t.test(
      'an incremental without changes stores no data object and restores',
      async () => {
        const volumeId = globalThis.crypto.randomUUID();
        const volume = makeVolume(VOLUME_BYTES, 7);
        const parent = await backup(volume, { volumeId });
        const child = await backup(volume, { volumeId, parentId: parent.record.id });
        expect(child.kind).toBe('incremental');
        expect(child.record.objectCount).toBe(0);
        expect(child.storedBytes).toBe(0);
        expect(describeDifference(await restore(child.record), volume)).toBeNull();
      },
      { timeout: TIMEOUT },
    );

    t.test(
      'deleteBackup removes every object of that backup and nothing else',
      async () => {
        const doomed = await backup(makeVolume(MIB + 500, 8));
        const kept = await backup(makeVolume(MIB + 700, 9));
        const d = location(doomed.record);
        const k = location(kept.record);
        const keptBefore = await storedObjects(k.container, k.prefix);
        expect((await storedObjects(d.container, d.prefix)).length).toBeGreaterThan(0);
        await driver.deleteBackup(doomed.record);
        expect(await storedObjects(d.container, d.prefix)).toEqual([]);
        if (backdoor) {
          const raw = await backdoor.listAll(d.container);
          expect(
            raw.filter((n) => n.startsWith(d.prefix)),
            'nothing left in the backend',
          ).toEqual([]);
        }
        expect(await storedObjects(k.container, k.prefix)).toEqual(keptBefore);
        expect(describeDifference(await restore(kept.record), makeVolume(MIB + 700, 9)), 'the other backup still restores').toBeNull();
        catalog.delete(doomed.record.id);
      },
      { gates: [needsRaw], timeout: TIMEOUT },
    );

    t.test(
      'export and import of records round-trips a chain',
      async () => {
        const volumeId = globalThis.crypto.randomUUID();
        const v0 = makeVolume(2 * MIB, 10);
        const v1 = mutateVolume(v0, 11);
        const full = await backup(v0, { volumeId });
        const incr = await backup(v1, { volumeId, parentId: full.record.id });
        const exported = await Promise.all(
          [full, incr].map(async (r) => encodeBackupRecord(r.record, await driver.exportRecord(r.record))),
        );
        // A second host: a fresh catalog and driver that know nothing of these backups.
        const otherCatalog = new MemoryCatalog();
        const other = await createDriverFor(target, store, { catalog: otherCatalog });
        if (!other) throw new Error('no driver');
        for (const url of exported) {
          const { record, driverInfo } = decodeBackupRecord(url);
          await other.importRecord(record, driverInfo);
          otherCatalog.put(record);
        }
        const imported = await otherCatalog.get(incr.record.id);
        expect(imported.parentId).toBe(full.record.id);
        expect(imported.container).toBe(incr.record.container);
        expect(imported.serviceMetadata).toBe(incr.record.serviceMetadata);
        expect(imported.objectCount).toBe(incr.record.objectCount);
        const into = new BufferRestoreTarget();
        await other.restore(imported, globalThis.crypto.randomUUID(), into);
        expect(describeDifference(into.data, v1)).toBeNull();
      },
      { timeout: TIMEOUT },
    );

    t.test(
      'volume metadata round-trips through getMetadata/putMetadata and through a backup',
      async () => {
        const source = globalThis.crypto.randomUUID();
        const userMeta = { purpose: 'conformance', owner: 'volback', 'odd key ü': 'välue "quoted"' };
        const json = JSON.stringify({
          version: 2,
          'volume-base-metadata': { display_name: 'conformance-volume', display_description: 'source', encryption_key_id: null },
          'volume-metadata': userMeta,
        });
        await driver.putMetadata(source, json);
        const read = JSON.parse(await driver.getMetadata(source)) as Record<string, unknown>;
        expect(read.version).toBe(2);
        expect(read['volume-metadata']).toEqual(userMeta);

        const volume = makeVolume(MIB, 12);
        const result = await backup(volume, { volumeId: source });
        const restoredId = globalThis.crypto.randomUUID();
        expect(describeDifference(await restore(result.record, restoredId), volume)).toBeNull();
        const restored = JSON.parse(await driver.getMetadata(restoredId)) as Record<string, unknown>;
        expect(restored['volume-metadata'], 'the restored volume gets the backed-up metadata').toEqual(userMeta);
      },
      { timeout: TIMEOUT },
    );

    /** Flips one stored byte of a backup's object (through the backdoor when there is one); restore must name it. */
    async function expectCorruptionCaught(
      options: BackupOptions,
      size: number,
      seed: number,
      objectNumber: string,
      flip: number,
    ): Promise<void> {
      const result = await backup(makeVolume(size, seed), {}, options);
      const { container, prefix } = location(result.record);
      const victim = `${prefix}-${objectNumber}`;
      const raw = backdoor ? await backdoor.readRaw(container, victim) : await (store as ObjectStore).getObject(container, victim);
      const bad = new Uint8Array(raw);
      const at = Math.floor(bad.length / 2);
      bad[at] = (bad[at] ?? 0) ^ flip;
      if (backdoor) await backdoor.writeRaw(container, victim, bad);
      else await (store as ObjectStore).putObject(container, victim, bad);
      const err = await rejectionOf(restore(result.record));
      expect((err as { code?: unknown } | null)?.code, String(err)).toBe('E_INTEGRITY');
      expect((err as { objectName?: unknown }).objectName).toBe(victim);
    }

    t.test(
      'a corrupted data object fails the restore with E_INTEGRITY naming it',
      () => expectCorruptionCaught({ compression: 'none' }, OBJECT_BYTES + 4096, 13, '00002', 0x5a),
      { gates: [needsRaw], timeout: TIMEOUT },
    );

    t.test(
      'a corrupted compressed object fails the restore with E_INTEGRITY',
      () => expectCorruptionCaught({}, MIB + 4096, 14, '00001', 0x01),
      { gates: [needsRaw], timeout: TIMEOUT },
    );

    t.test(
      'cancelling mid-backup throws E_CANCELLED and leaves no object behind',
      async () => {
        const volume = makeVolume(VOLUME_BYTES, 15);
        const record = newBackupRecord({ volumeId: globalThis.crypto.randomUUID() });
        const controller = new AbortController();
        let events = 0;
        const outcome = await errorCodeOf(
          driver.backup(record, new BufferVolumeSource(volume), {
            signal: controller.signal,
            onProgress: () => {
              events++;
              if (events === 1) controller.abort();
            },
          }),
        );
        expect(events, 'progress was reported').toBeGreaterThan(0);
        expect(outcome).toBe('E_CANCELLED');
        if (store) {
          const container = record.container ?? store.containerFor(record.id, null);
          expect(await store.listObjects(container, store.objectNamePrefix(record))).toEqual([]);
          if (backdoor) {
            const prefix = store.objectNamePrefix(record);
            expect((await backdoor.listAll(container)).filter((n) => n.startsWith(prefix))).toEqual([]);
          }
        }
        expect(await errorCodeOf(catalog.get(record.id)), 'no record of a cancelled backup').toBe('E_NOT_FOUND');
      },
      { timeout: TIMEOUT },
    );

    t.test(
      'progress events grow monotonically and end complete',
      async () => {
        const volume = makeVolume(OBJECT_BYTES + 777, 16);
        const events: ProgressEvent[] = [];
        const result = await backup(volume, {}, { onProgress: (e) => events.push({ ...e }) });
        checkProgress(events, 'backup', result.record.id, volume.length);
        const restoreEvents: ProgressEvent[] = [];
        const into = new BufferRestoreTarget();
        await driver.restore(result.record, globalThis.crypto.randomUUID(), into, { onProgress: (e) => restoreEvents.push({ ...e }) });
        checkProgress(restoreEvents, 'restore', result.record.id, volume.length);
        expect(describeDifference(into.data, volume)).toBeNull();
      },
      { timeout: TIMEOUT },
    );

    t.test(
      'listContainers lists the container of a backup just made',
      async () => {
        const result = await backup(makeVolume(MIB + 99, 17));
        const { container } = location(result.record);
        const listed = await (store as Required<ObjectStore>).listContainers();
        expect(listed, 'listContainers right after a backup').toContain(container);
      },
      { gates: [() => (store?.listContainers ? null : 'the store does not offer listContainers (optional)')], timeout: TIMEOUT },
    );

    function checkProgress(events: ProgressEvent[], operation: ProgressEvent['operation'], backupId: string, total: number): void {
      expect(events.length, `${operation} reported progress`).toBeGreaterThan(0);
      let last = -1;
      let lastObjects = -1;
      for (const [i, e] of events.entries()) {
        expect(e.operation, `event ${i}`).toBe(operation);
        expect(e.backupId, `event ${i}`).toBe(backupId);
        expect(e.bytesTotal, `event ${i} bytesTotal`).toBe(total);
        expect(e.bytesDone, `event ${i} bytesDone never decreases`).toBeGreaterThanOrEqual(last);
        expect(e.objectsDone, `event ${i} objectsDone never decreases`).toBeGreaterThanOrEqual(lastObjects);
        expect(e.bytesDone, `event ${i} bytesDone <= bytesTotal`).toBeLessThanOrEqual(total);
        if (i < events.length - 1) expect(e.done, `only the last ${operation} event is done`).toBe(false);
        last = e.bytesDone;
        lastObjects = e.objectsDone;
      }
      const final = events[events.length - 1] as ProgressEvent;
      expect(final.done).toBe(true);
      expect(final.bytesDone).toBe(total);
    }
  });
}
