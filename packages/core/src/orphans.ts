import { kindInPrefix, namesInPrefix, ownerOfObject } from './backup-objects.js';
import { backupIdOfPrefix, metadataObjectName, volumeIdOfPrefix } from './cinder-names.js';
import { mapLimited } from './engine/flow/map-limited.js';
import { throwIfAborted, UnsupportedError } from './errors.js';
import type { ObjectStore, StoreCallOptions } from './object-store.js';
import { metadataListed, putRemovalMarker } from './removal-markers.js';

/**
 * How old an unfinished backup's objects must be before `prune` removes them by default: 7 days.
 * Without locks, only age tells a crashed backup from one still running, and the age counts from
 * the backup's creation time in its name. It must exceed the longest backup any writer of the
 * store makes (a 16 TiB volume at 30 MiB/s takes over 6 days), plus the clock difference
 * between hosts. Too short costs a long backup (it then fails, keeping nothing); too long only
 * keeps a crashed backup's bytes a while longer.
 */
export const DEFAULT_ORPHAN_GRACE_MS = 7 * 24 * 3600 * 1000;

/**
 * A removal marker on a backup that still stands is removed by `prune` only once this old, even
 * with a shorter grace: until then it may be a delete at work, which must not lose its marker
 * (delete-protocol.ts). A delete holds it for two listings of the volume's backups.
 */
export const MIN_STALE_MARKER_AGE_MS = 3600 * 1000;

/** The objects of a backup that has no `_metadata`: one that crashed, was cancelled uncleanly, or is still running. */
export interface OrphanedBackup {
  /** The container the objects are in. */
  container: string;
  /** The name prefix the objects share, Cinder's `service_metadata` of the lost backup. */
  prefix: string;
  /** The backup id and volume id its name gives. */
  backupId: string;
  /** The volume id its name gives. */
  volumeId: string;
  /** When that backup was made, from its name. */
  createdAt: Date;
  /** Its object names. */
  objects: string[];
}

/** A removal marker on a backup that still has its `_metadata`: a delete at work, or one that was interrupted. */
export interface MarkerOnBackup {
  /** The container of the backup the marker is on. */
  container: string;
  /** The name prefix of the backup the marker is on. */
  prefix: string;
  /** The marker object's own name, which `prune` deletes. */
  name: string;
  /** When the delete that left it began: `prune` leaves a younger one to that delete. */
  markedAt: Date;
}

/** What a store holds that belongs to no finished backup. */
export interface StoreLeftovers {
  /** Objects of backups that never got a `_metadata`, grouped by backup. */
  orphans: OrphanedBackup[];
  /** Removal markers on backups that still stand, left by deletes that did not finish. */
  markers: MarkerOnBackup[];
}

/**
 * Every object in the store that is named like a Cinder backup's but belongs to no backup with
 * a `_metadata`, grouped by backup; and the removal markers left on backups that stand. Lists
 * every object name of every container: on a bucket, a call per 1000 objects. Objects whose
 * names are not Cinder's are never counted, so a shared bucket's other files are left alone.
 */
export async function findLeftovers(store: ObjectStore, opts?: StoreCallOptions): Promise<StoreLeftovers> {
  if (!store.listContainers) {
    throw new UnsupportedError(
      `the ${store.driverId} store cannot list its containers, so objects that belong to no backup cannot be found`,
    );
  }
  const containers = await store.listContainers(opts);
  const listings = await mapLimited(containers, store.capabilities.maxConcurrency, (c) => store.listObjects(c, '', opts));
  const leftovers: StoreLeftovers = { orphans: [], markers: [] };
  containers.forEach((container, i) => {
    const byPrefix = new Map<string, { createdAt: Date; names: string[]; markers: MarkerOnBackup[]; finished: boolean }>();
    for (const name of listings[i] ?? []) {
      const owner = ownerOfObject(name);
      if (!owner) continue;
      let group = byPrefix.get(owner.prefix);
      if (!group) byPrefix.set(owner.prefix, (group = { createdAt: owner.backupCreatedAt, names: [], markers: [], finished: false }));
      group.names.push(name);
      if (owner.kind === 'metadata') group.finished = true;
      if (owner.markedAt) group.markers.push({ container, prefix: owner.prefix, name, markedAt: owner.markedAt });
    }
    for (const [prefix, group] of byPrefix) {
      if (group.finished) {
        leftovers.markers.push(...group.markers);
        continue;
      }
      leftovers.orphans.push({
        container,
        prefix,
        backupId: backupIdOfPrefix(prefix) as string,
        volumeId: volumeIdOfPrefix(prefix) as string,
        createdAt: group.createdAt,
        objects: group.names,
      });
    }
  });
  leftovers.orphans.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.prefix.localeCompare(b.prefix));
  return leftovers;
}

/** Settings of {@link pruneLeftovers}. */
export interface PruneOptions extends StoreCallOptions {
  /** Leave unfinished backups younger than this alone. Default {@link DEFAULT_ORPHAN_GRACE_MS}. */
  olderThanMs?: number;
  /** Say what would be removed, remove nothing. */
  dryRun?: boolean;
  /** The time ages are counted to. Default: now. */
  now?: Date;
}

/** What {@link pruneLeftovers} did (or, in a dry run, would do). */
export interface PruneReport {
  /** Unfinished backups whose objects were removed. */
  removed: OrphanedBackup[];
  /** Unfinished backups left alone: younger than the grace period, maybe still running. */
  young: OrphanedBackup[];
  /** Backups that wrote their `_metadata` while the prune looked: left whole, or to fail on their own. */
  finishedMeanwhile: OrphanedBackup[];
  /** Markers of interrupted deletes removed from backups that stand. */
  markersRemoved: MarkerOnBackup[];
  /** What interrupted writes left that is no object (see `ObjectStore.removeIncompleteWrites`), removed. */
  incompleteWritesRemoved: number;
}

/**
 * Removes the objects of every backup that never finished and is older than the grace period,
 * the removal markers that interrupted deletes left on backups that stand, and what interrupted
 * writes left that no listing shows (a posix put's temporary file), last written before then.
 *
 * A backup older than the grace period may still be running: then it must not finish with
 * objects missing. So, per unfinished backup: (1) put a removal marker on it; (2) list its
 * objects; if its `_metadata` is there, it finished: remove the marker, leave it; else (3)
 * remove what (2) listed; (4) look for its `_metadata` again: if absent, remove the markers; if
 * present, keep them. A backup checks, after its `_metadata` write, that all its objects are
 * listed and no marker is (backup-standing.ts). If this prune removed one of them, (2) saw no
 * `_metadata`, so that write ended after (2) began, after the marker was put: the backup's
 * check then sees the marker, or, if (4) already removed it, the removals (3) made before (4)
 * found no `_metadata`. Either way the backup fails and removes itself; it never stands broken.
 */
export async function pruneLeftovers(store: ObjectStore, opts: PruneOptions = {}): Promise<PruneReport> {
  const now = opts.now ?? new Date();
  const graceMs = opts.olderThanMs ?? DEFAULT_ORPHAN_GRACE_MS;
  const call = opts.signal ? { signal: opts.signal } : {};
  const { orphans, markers } = await findLeftovers(store, call);
  const report: PruneReport = { removed: [], young: [], finishedMeanwhile: [], markersRemoved: [], incompleteWritesRemoved: 0 };
  const limit = store.capabilities.maxConcurrency;
  for (const orphan of orphans) {
    throwIfAborted(opts.signal);
    if (now.getTime() - orphan.createdAt.getTime() < graceMs) report.young.push(orphan);
    else if (opts.dryRun || (await removeUnfinished(store, orphan, call))) report.removed.push(orphan);
    else report.finishedMeanwhile.push(orphan);
  }
  const staleMs = Math.max(graceMs, MIN_STALE_MARKER_AGE_MS);
  const stale = markers.filter((m) => now.getTime() - m.markedAt.getTime() >= staleMs);
  if (!opts.dryRun) await mapLimited(stale, limit, (m) => store.deleteObject(m.container, m.name, call));
  report.markersRemoved = stale;
  if (store.removeIncompleteWrites) {
    const before = new Date(now.getTime() - graceMs);
    report.incompleteWritesRemoved = await store.removeIncompleteWrites(before, { ...call, dryRun: opts.dryRun === true });
  }
  return report;
}

/** Steps (1)-(4) above for one unfinished backup; false when it turned out to have finished. */
async function removeUnfinished(store: ObjectStore, orphan: OrphanedBackup, call: StoreCallOptions): Promise<boolean> {
  const loc = { container: orphan.container, prefix: orphan.prefix };
  const marker = await putRemovalMarker(store, loc, 'prune', call);
  const names = namesInPrefix(orphan.prefix, await store.listObjects(orphan.container, orphan.prefix, call));
  if (names.includes(metadataObjectName(orphan.prefix))) {
    await store.deleteObject(orphan.container, marker, call);
    return false;
  }
  const isMarker = (n: string): boolean => kindInPrefix(orphan.prefix, n) === 'removal-marker';
  const limit = store.capabilities.maxConcurrency;
  await mapLimited(
    names.filter((n) => !isMarker(n)),
    limit,
    (n) => store.deleteObject(orphan.container, n, call),
  );
  // The backup wrote _metadata meanwhile: the marker stays, so it sees it and removes itself.
  if (await metadataListed(store, loc, call)) return false;
  const markers = new Set([...names.filter(isMarker), marker]);
  await mapLimited([...markers], limit, (n) => store.deleteObject(orphan.container, n, call));
  return true;
}
