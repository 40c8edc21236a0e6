import { setTimeout as sleep } from 'node:timers/promises';
import { kindInPrefix } from './backup-objects.js';
import { NotFoundError } from './errors.js';
import type { ObjectStore, StoreCallOptions } from './object-store.js';
import { metadataListed, removalMarkersOn } from './removal-markers.js';
import type { BackupLocation } from './stored-backup.js';

/** A backup by id and place. */
export interface LocatedBackup extends BackupLocation {
  id: string;
}

/**
 * Before an incremental starts: its parent is there and no delete is at work on it, so a
 * doomed incremental fails before it reads the volume. Only a hint: the check that counts is
 * {@link checkWrittenBackup}, after `_metadata`.
 */
export async function checkParentUsable(store: ObjectStore, parent: LocatedBackup, opts?: StoreCallOptions): Promise<void> {
  await checkParent(store, parent, 'start', opts);
}

/**
 * Run by a backup right after it wrote its `_metadata`: it stands only if every object it wrote
 * is still listed and nobody marked it for removal, and, for an incremental, its parent's
 * `_metadata` is still there with no removal marker on it. A remover marks first and looks
 * second; this writes first and looks second; so of two that overlap, at least one sees the
 * other (see delete-protocol.ts). Throws `NotFoundError` saying what happened; the caller then
 * removes the backup, `_metadata` first, so it never stands on a missing parent or object.
 */
export async function checkWrittenBackup(
  store: ObjectStore,
  own: LocatedBackup & { names: readonly string[] },
  parent: LocatedBackup | null,
  opts?: StoreCallOptions,
): Promise<void> {
  // One listing for the objects and the markers: the marker was put before its prune looked
  // for _metadata, so a prune that removed anything either still has it there or is done and
  // its removals are seen here.
  const listed = await store.listObjects(own.container, own.prefix, opts);
  const present = new Set(listed);
  const missing = own.names.filter((n) => !present.has(n));
  if (missing.length > 0) {
    throw new NotFoundError(
      `backup ${own.id}: ${missing.length} of its objects were removed from the store while it was written (e.g. ${missing[0]}), ` +
        'as `volback prune` does to a backup older than its grace period; nothing was kept',
    );
  }
  if (listed.some((n) => kindInPrefix(own.prefix, n) === 'removal-marker')) {
    throw new NotFoundError(`backup ${own.id}: a delete or prune started removing its objects while it was written; nothing was kept`);
  }
  if (parent) await checkParent(store, parent, 'end', opts);
}

/**
 * How long a finished incremental waits for a delete of its parent to settle before giving up
 * its work: a delete that finds the incremental takes its marker away within two listings of
 * the volume's backups. Any look made after the incremental's `_metadata` is as good as the
 * first (delete-protocol.ts), so looking again is safe.
 */
const MARKER_WAITS_MS = [100, 200, 400, 800, 1600];

/** Markers first, then `_metadata`: a delete removes `_metadata` before its marker, never after. */
async function checkParent(store: ObjectStore, parent: LocatedBackup, when: 'start' | 'end', opts?: StoreCallOptions): Promise<void> {
  const outcome = when === 'start' ? 'nothing was written' : 'nothing was kept';
  const isMarked = async (): Promise<boolean> => (await removalMarkersOn(store, parent, opts)).length > 0;
  let marked = await isMarked();
  for (const wait of when === 'end' ? MARKER_WAITS_MS : []) {
    if (!marked) break;
    await sleep(wait, undefined, opts?.signal ? { signal: opts.signal } : {});
    marked = await isMarked();
  }
  if (marked) {
    throw new NotFoundError(
      `parent backup ${parent.id} is being deleted (a removal marker is on it: if no delete of it is running, one was interrupted; ` +
        `run the delete again, or \`volback prune\` clears the marker after its grace period); ${outcome}`,
    );
  }
  if (!(await metadataListed(store, parent, opts))) {
    const moment = when === 'start' ? 'as this incremental started' : 'while this incremental was made';
    throw new NotFoundError(`parent backup ${parent.id} was deleted ${moment}; ${outcome}`);
  }
}
