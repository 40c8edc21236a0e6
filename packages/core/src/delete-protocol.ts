import type { LocatedBackup } from './backup-standing.js';
import { kindInPrefix } from './backup-objects.js';
import { removeObjects } from './engine/jobs/backup-job.js';
import { InvalidBackupError } from './errors.js';
import type { ObjectStore } from './object-store.js';
import { putRemovalMarker } from './removal-markers.js';

/**
 * Deletes a backup unless an incremental depends on it, also against incrementals made on it at
 * the same time, on stores with no locks and no conditional writes (S3, GCS, Azure, posix); only
 * strongly consistent listings are assumed: a listing started after a write completed shows it.
 *
 * The delete: (1) refuses if `dependants()` finds any; (2) puts a removal marker on the backup;
 * (3) asks `dependants()` again, afresh; if one appeared, removes its marker and refuses, keeping
 * the backup whole; else (4) removes `_metadata`, then every other object and the marker.
 * An incremental on it (backup-standing.ts): writes its `_metadata`, then lists the parent's
 * markers, then looks for the parent's `_metadata`; if either check fails it removes itself.
 * While it finds a marker it looks again for a few seconds, since a delete that saw it removes
 * its marker and gives up: any look after its `_metadata` write is as good as the first.
 *
 * Why no incremental can outlive its parent: say the delete went on past (3) and the incremental
 * kept itself. (3) did not see the incremental, so its `_metadata` write ended after (3) began,
 * which is after the marker was written; the incremental's marker listing began later still, so
 * it saw the marker unless the marker was already being removed in (4), which starts only once
 * the parent's `_metadata` is gone: then the incremental's next look finds no `_metadata`. Either
 * way it removes itself. Both may fail (each saw the other, and the delete's second look outlasted
 * the incremental's wait): then the parent is kept, whole.
 * Each remover has its own marker, so two deletes of one backup cannot take away each other's.
 * The parent's `_metadata` is never put back, so no reader, prune or crash ever sees it vanish
 * and return. Not covered: a store whose listings lag behind its writes (eventually consistent
 * listings), and an incremental killed between its `_metadata` and its checks while the parent
 * is deleted (it stays, restoring fails with E_NOT_FOUND naming the parent). No clocks are used.
 */
export async function deleteUnlessDepended(store: ObjectStore, backup: LocatedBackup, dependants: () => Promise<string[]>): Promise<void> {
  const before = await dependants();
  if (before.length > 0) {
    // Cinder refuses too: deleting a parent would make every incremental on it unrestorable.
    throw new InvalidBackupError(`incremental backups depend on ${backup.id} (${before.join(', ')}): delete them first`);
  }
  const marker = await putRemovalMarker(store, backup, 'delete');
  let after: string[];
  try {
    after = await dependants();
  } catch (err) {
    await store.deleteObject(backup.container, marker).catch(() => undefined);
    throw err;
  }
  if (after.length > 0) {
    const unmarked = await store.deleteObject(backup.container, marker).then(
      () => '',
      (err: unknown) => ` (its removal marker ${marker} could not be removed: ${(err as Error).message}; delete it by hand)`,
    );
    throw new InvalidBackupError(
      `an incremental backup was made on ${backup.id} while it was being deleted (${after.join(', ')}); ${backup.id} was kept${unmarked}`,
    );
  }
  await removeObjects(store, backup.container, backup.prefix);
  // A prune may be removing what is left of it too, under a marker of its own: that one is not ours.
  const left = (await store.listObjects(backup.container, backup.prefix)).filter((n) => {
    const kind = kindInPrefix(backup.prefix, n);
    return kind !== null && kind !== 'removal-marker';
  });
  if (left.length > 0) {
    throw new InvalidBackupError(`backup ${backup.id}: ${left.length} object(s) could not be deleted, e.g. ${left[0]}; retry the delete`);
  }
}
