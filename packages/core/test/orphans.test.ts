import { describe, expect, it } from 'vitest';
import { ownerOfObject, removalMarkerName } from '../src/backup-objects.js';
import { newBackupRecord, type BackupRecord } from '../src/backup-record.js';
import { BackendError } from '../src/errors.js';
import { BufferRestoreTarget } from '../src/restore-target.js';
import { MemoryObjectStore } from '../src/memory-object-store.js';
import type { ObjectStore } from '../src/object-store.js';
import { DEFAULT_ORPHAN_GRACE_MS, findLeftovers, pruneLeftovers } from '../src/orphans.js';
import { interceptedStore } from '../src/testing/intercepted-store.js';
import { makeVolume, mutateVolume, sha256Hex } from '../src/testing/test-data.js';
import { BufferVolumeSource } from '../src/volume-source.js';
import { KiB } from './engine-helpers.js';
import { backUp, everyObject, expectConsistent, gate, outcomeOf, storeDriver } from './race-helpers.js';

const v0 = makeVolume(512 * KiB, 51);
const v1 = mutateVolume(v0, 52, 20);
const DAY = 24 * 3600 * 1000;
const daysAgo = (days: number): Date => new Date(Date.now() - days * DAY);

/**
 * A backup whose process died after `puts` object writes: every later call fails, so its clean-up
 * cannot run either, as after a kill -9.
 */
async function crashedBackup(memory: ObjectStore, createdAt: Date, puts: number): Promise<BackupRecord> {
  let written = 0;
  let dead = false;
  const store = interceptedStore(memory, {
    before: (c) => {
      if (!dead && c.method === 'putObject' && ++written > puts) dead = true;
      if (dead) throw new BackendError('the process was killed', false);
    },
  });
  const record = newBackupRecord({ volumeId: 'vol', createdAt });
  await expect(storeDriver(store).backup(record, new BufferVolumeSource(v0))).rejects.toThrow('killed');
  return record;
}

describe('object names', () => {
  it('tell which backup an object belongs to, in both Cinder layouts', () => {
    const posix = 'volume_v1_20260301101112_backup_0f7c1a2e-1111-2222-3333-444455556666';
    const bucket = 'volume_v1/20260301101112/az_nova_backup_b-1';
    const at = new Date('2026-03-01T10:11:12Z');
    expect(ownerOfObject(`${posix}-00001`)).toEqual({ prefix: posix, kind: 'data', backupCreatedAt: at });
    expect(ownerOfObject(`${posix}-123456`)).toEqual({ prefix: posix, kind: 'data', backupCreatedAt: at });
    expect(ownerOfObject(`${posix}_sha256file`)).toMatchObject({ prefix: posix, kind: 'sha256' });
    expect(ownerOfObject(`${bucket}_metadata`)).toMatchObject({ prefix: bucket, kind: 'metadata', backupCreatedAt: at });
    // An id that ends in digits: the data suffix is the last "-digits".
    expect(ownerOfObject(`${bucket}-00002`)).toMatchObject({ prefix: bucket, kind: 'data' });
    const marker = removalMarkerName(posix, new Date('2026-03-02T00:00:00Z'), 'ab12');
    expect(ownerOfObject(marker)).toEqual({
      prefix: posix,
      kind: 'removal-marker',
      backupCreatedAt: at,
      markedAt: new Date('2026-03-02T00:00:00Z'),
    });
  });

  it('are not ours when they are not Cinder backup objects', () => {
    for (const name of [
      'notes.txt',
      'volume_v1_20260301101112_backup_x-1', // too few digits for a data object
      'volume_v1_20261301101112_backup_x-00001', // month 13
      'volume_v1_backup_x-00001', // no timestamp
      'photos/volume_v1_20260301101112_backup_x_metadata',
    ]) {
      expect(ownerOfObject(name), name).toBeNull();
    }
  });
});

describe('finding what belongs to no backup', () => {
  it('reports a crashed backup by prefix, with its objects and age, and nothing else', async () => {
    const memory = new MemoryObjectStore();
    const kept = await backUp(storeDriver(memory), v0);
    const crashed = await crashedBackup(memory, daysAgo(8), 5);
    await memory.putObject('misc', 'README.txt', new Uint8Array([1]));
    const { orphans, markers } = await findLeftovers(memory);
    expect(markers).toEqual([]);
    expect(orphans).toHaveLength(1);
    expect(orphans[0]).toMatchObject({
      container: memory.containerFor(crashed.id, null),
      backupId: crashed.id,
      volumeId: 'vol',
      createdAt: crashed.createdAt,
    });
    expect(orphans[0]?.objects).toHaveLength(5);
    expect(orphans[0]?.prefix).not.toBe(kept.serviceMetadata);
  });
});

describe('prune', () => {
  it('removes unfinished backups older than the grace period only, and never a backup that stands', async () => {
    const memory = new MemoryObjectStore();
    const kept = await backUp(storeDriver(memory), v0);
    const incremental = await backUp(storeDriver(memory), v1, kept);
    const old = await crashedBackup(memory, daysAgo(8), 4);
    const young = await crashedBackup(memory, daysAgo(0.001), 3);
    await memory.putObject('misc', 'README.txt', new Uint8Array([1]));
    const before = await everyObject(memory);

    const dry = await pruneLeftovers(memory, { dryRun: true });
    expect(dry.removed.map((o) => o.backupId)).toEqual([old.id]);
    expect(dry.young.map((o) => o.backupId)).toEqual([young.id]);
    expect(await everyObject(memory)).toEqual(before);

    const done = await pruneLeftovers(memory);
    expect(done.removed.map((o) => o.backupId)).toEqual([old.id]);
    expect(done.young.map((o) => o.backupId)).toEqual([young.id]);
    expect((await findLeftovers(memory)).orphans.map((o) => o.backupId)).toEqual([young.id]);

    expect((await pruneLeftovers(memory, { olderThanMs: 0 })).removed.map((o) => o.backupId)).toEqual([young.id]);
    expect(await everyObject(memory)).toEqual(
      ['misc/README.txt', ...before.filter((n) => n.includes(kept.id) || n.includes(incremental.id))].sort(),
    );
    await expectConsistent(
      memory,
      new Map([
        [kept.id, sha256Hex(v0)],
        [incremental.id, sha256Hex(v1)],
      ]),
    );
  });

  it('a backup whose objects a prune removed while it ran fails, keeping nothing', async () => {
    const memory = new MemoryObjectStore();
    const reached = gate();
    const held = gate();
    const record = newBackupRecord({ volumeId: 'vol', createdAt: daysAgo(9) });
    const store = interceptedStore(memory, {
      before: async (c) => {
        if (c.method === 'putObject' && c.name?.endsWith(`${record.id}_metadata`)) {
          reached.open();
          await held.opened;
        }
      },
    });
    const making = outcomeOf(storeDriver(store).backup(record, new BufferVolumeSource(v0)));
    await reached.opened;
    // Nine days old and without _metadata: to a prune it looks like a crashed backup.
    expect((await pruneLeftovers(memory)).removed.map((o) => o.backupId)).toEqual([record.id]);
    held.open();
    const made = await making;
    expect(made).toMatchObject({ ok: false, code: 'E_NOT_FOUND' });
    expect(made.ok || made.message).toMatch(/objects were removed from the store while it was written .*nothing was kept/);
    expect(await everyObject(memory)).toEqual([]);
  });

  it('a backup finishing while a prune removes its objects fails, and the prune says so', async () => {
    const memory = new MemoryObjectStore();
    const record = newBackupRecord({ volumeId: 'vol', createdAt: daysAgo(9) });
    const prefix = memory.objectNamePrefix(record);
    const metadata = (n?: string): boolean => n === `${prefix}_metadata`;
    const backupReached = gate();
    const backupHeld = gate();
    const written = gate();
    const writtenHeld = gate();
    const pruneListed = gate();
    const pruneHeld = gate();
    const backupStore = interceptedStore(memory, {
      before: async (c) => {
        if (c.method === 'putObject' && metadata(c.name)) {
          backupReached.open();
          await backupHeld.opened;
        }
      },
      after: async (c) => {
        if (c.method === 'putObject' && metadata(c.name)) {
          written.open();
          await writtenHeld.opened;
        }
      },
    });
    const pruneStore = interceptedStore(memory, {
      after: async (c) => {
        // Step 2 of the prune: it has listed the backup's objects and found no _metadata.
        if (c.method === 'listObjects' && c.name === prefix) {
          pruneListed.open();
          await pruneHeld.opened;
        }
      },
    });
    const making = outcomeOf(storeDriver(backupStore).backup(record, new BufferVolumeSource(v0)));
    await backupReached.opened;
    const pruning = pruneLeftovers(pruneStore);
    await pruneListed.opened;
    backupHeld.open();
    await written.opened;
    pruneHeld.open();
    const report = await pruning;
    expect(report.removed).toEqual([]);
    expect(report.finishedMeanwhile.map((o) => o.backupId)).toEqual([record.id]);
    writtenHeld.open();
    expect(await making).toMatchObject({ ok: false, code: 'E_NOT_FOUND' });
    expect(await everyObject(memory)).toEqual([]);
  });

  it('clears the marker an interrupted delete left, once it is old, so incrementals work again', async () => {
    const memory = new MemoryObjectStore();
    const parent = await backUp(storeDriver(memory), v0);
    const container = parent.container as string;
    const prefix = parent.serviceMetadata as string;
    const oldMarker = removalMarkerName(prefix, new Date(Date.now() - 2 * 3600 * 1000), '01');
    await memory.putObject(container, oldMarker, new Uint8Array([1]));
    expect((await findLeftovers(memory)).markers.map((m) => m.name)).toEqual([oldMarker]);
    // Marked or not, the backup is whole: it restores.
    const target = new BufferRestoreTarget();
    await storeDriver(memory).restore(parent, 'restored', target);
    expect(sha256Hex(target.data)).toBe(sha256Hex(v0));
    const blocked = await outcomeOf(backUp(storeDriver(memory), v1, parent));
    expect(blocked).toMatchObject({ ok: false, code: 'E_NOT_FOUND', message: expect.stringContaining('is being deleted') });

    // The default grace period is days; a marker is kept at least an hour, whatever the grace.
    expect((await pruneLeftovers(memory)).markersRemoved).toEqual([]);
    const freshMarker = removalMarkerName(prefix, new Date(), '02');
    await memory.putObject(container, freshMarker, new Uint8Array([1]));
    const report = await pruneLeftovers(memory, { olderThanMs: 0 });
    expect(report.markersRemoved.map((m) => m.name)).toEqual([oldMarker]);
    await memory.deleteObject(container, freshMarker);

    const incremental = await backUp(storeDriver(memory), v1, parent);
    await expectConsistent(
      memory,
      new Map([
        [parent.id, sha256Hex(v0)],
        [incremental.id, sha256Hex(v1)],
      ]),
    );
  });

  it('counts ages from the backup names, to the time given', async () => {
    const memory = new MemoryObjectStore();
    const crashed = await crashedBackup(memory, new Date('2026-01-01T00:00:00Z'), 2);
    const justBefore = new Date(crashed.createdAt.getTime() + DEFAULT_ORPHAN_GRACE_MS - 1000);
    expect((await pruneLeftovers(memory, { now: justBefore, dryRun: true })).young).toHaveLength(1);
    const justAfter = new Date(crashed.createdAt.getTime() + DEFAULT_ORPHAN_GRACE_MS);
    expect((await pruneLeftovers(memory, { now: justAfter })).removed).toHaveLength(1);
    expect(await everyObject(memory)).toEqual([]);
  });
});
