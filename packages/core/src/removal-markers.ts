import { randomBytes } from 'node:crypto';
import { kindInPrefix, removalMarkerName, removalMarkerPrefix } from './backup-objects.js';
import { metadataObjectName } from './cinder-names.js';
import type { ObjectStore, StoreCallOptions } from './object-store.js';
import type { BackupLocation } from './stored-backup.js';

/** Who put a removal marker. */
export type RemovalKind = 'delete' | 'prune';

/**
 * Puts a removal marker on the backup at `loc`: "its objects are about to be removed". Stores
 * without locks or conditional writes cannot make a delete and a backup exclude each other; a
 * marker written before a remover looks, and looked for by a backup after it writes, lets each
 * see the other (docs: the removal protocol in delete-protocol.ts and orphans.ts). Each remover
 * has its own marker, so one that gives up never takes away another's. Returns its name.
 */
export async function putRemovalMarker(store: ObjectStore, loc: BackupLocation, by: RemovalKind, opts?: StoreCallOptions): Promise<string> {
  const at = new Date();
  const name = removalMarkerName(loc.prefix, at, randomBytes(8).toString('hex'));
  const body = JSON.stringify({ removing: loc.prefix, by, startedAt: at.toISOString() });
  await store.putObject(loc.container, name, new TextEncoder().encode(body), opts);
  return name;
}

/** The removal markers on the backup at `loc`, as the store lists them now. */
export async function removalMarkersOn(store: ObjectStore, loc: BackupLocation, opts?: StoreCallOptions): Promise<string[]> {
  const names = await store.listObjects(loc.container, removalMarkerPrefix(loc.prefix), opts);
  return names.filter((n) => kindInPrefix(loc.prefix, n) === 'removal-marker');
}

/** Whether the backup's `_metadata` is in the store now (listed, not read: it can be tens of MB). */
export async function metadataListed(store: ObjectStore, loc: BackupLocation, opts?: StoreCallOptions): Promise<boolean> {
  const name = metadataObjectName(loc.prefix);
  return (await store.listObjects(loc.container, name, opts)).includes(name);
}
