import { kindInPrefix } from '../../backup-objects.js';
import type { BackupRecord } from '../../backup-record.js';
import { metadataObjectName, sha256ObjectName } from '../../cinder-names.js';
import { InvalidBackupError, throwIfAborted } from '../../errors.js';
import type { BackupMetadata } from '../../format/backup-metadata.js';
import type { Sha256File } from '../../format/sha256-file.js';
import type { ObjectStore } from '../../object-store.js';
import { locationOf, readBackupMetadata, readSha256File, type BackupLocation } from '../../stored-backup.js';
import { decodeVolumeMetadata } from '../../volume-metadata.js';

/** One backup of a chain, read from the store and checked on its own. */
export interface ChainLayer {
  record: BackupRecord;
  location: BackupLocation;
  metadata: BackupMetadata;
  /** The layer's `_sha256file`, or null if it has none. */
  hashes: Sha256File | null;
}

/**
 * Reads every layer of a chain (oldest first) and checks what can be checked of each alone: its
 * `_metadata` is the one of its backup and of its parent, its objects are exactly those the store
 * lists, its volume metadata decodes. Layers, and each layer's three reads, go at once: on a
 * cold store they are mostly waiting. Nothing is written before the whole chain is loaded, so a
 * fault found here (or in the layout check that follows) leaves a restore target untouched.
 */
export async function loadChain(store: ObjectStore, chain: BackupRecord[], signal?: AbortSignal): Promise<ChainLayer[]> {
  throwIfAborted(signal);
  const layers = await Promise.all(chain.map((record) => loadLayer(store, record, signal)));
  layers.forEach((layer, i) => checkParentLink(layer, i === 0 ? null : (layers[i - 1] as ChainLayer)));
  return layers;
}

async function loadLayer(store: ObjectStore, record: BackupRecord, signal?: AbortSignal): Promise<ChainLayer> {
  const location = locationOf(record);
  const [metadata, listed, hashes] = await Promise.all([
    readBackupMetadata(store, location, { signal }),
    store.listObjects(location.container, location.prefix, { signal }),
    readSha256File(store, location, { signal }),
  ]);
  if (metadata.backupId !== record.id) {
    throw new InvalidBackupError(`${metadataObjectName(location.prefix)} belongs to backup ${metadata.backupId}, not to ${record.id}`);
  }
  if (hashes && hashes.backupId !== '' && hashes.backupId !== record.id) {
    throw new InvalidBackupError(`${sha256ObjectName(location.prefix)} belongs to backup ${hashes.backupId}, not to ${record.id}`);
  }
  checkObjectList(listed, location, metadata);
  // Restore applies it after the data: a bad one found then would fail a restore already written.
  if (metadata.volumeMeta !== null) {
    try {
      decodeVolumeMetadata(metadata.volumeMeta);
    } catch (err) {
      throw new InvalidBackupError(`${metadataObjectName(location.prefix)}: its volume_meta is unusable: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  return { record, location, metadata, hashes };
}

/** The stored documents must agree with the chain the catalog gave: each names the layer below as its parent. */
function checkParentLink(layer: ChainLayer, below: ChainLayer | null): void {
  const want = below ? below.record.id : null;
  if (layer.metadata.parentId !== want) {
    throw new InvalidBackupError(
      `${metadataObjectName(layer.location.prefix)} names parent ${layer.metadata.parentId ?? 'none'}, but its chain has ${want ?? 'none'} below it`,
    );
  }
  if (below && layer.metadata.volumeId !== below.metadata.volumeId) {
    throw new InvalidBackupError(
      `backup ${layer.record.id} is of volume ${layer.metadata.volumeId} but its parent ${below.record.id} of volume ${below.metadata.volumeId}`,
    );
  }
}

/** Cinder refuses a backup whose stored objects differ from its object list [F]; so do we, saying which. */
function checkObjectList(names: string[], loc: BackupLocation, meta: BackupMetadata): void {
  const own = new Set([metadataObjectName(loc.prefix), sha256ObjectName(loc.prefix)]);
  // A delete's marker on a backup that stands (one at work, or interrupted) is not a stray object.
  const listed = new Set(names.filter((n) => !own.has(n) && kindInPrefix(loc.prefix, n) !== 'removal-marker'));
  const expected = new Set<string>();
  for (const o of meta.objects) {
    if (expected.has(o.name)) throw new InvalidBackupError(`backup ${meta.backupId}: its object list names ${o.name} twice`);
    expected.add(o.name);
  }
  const missing = [...expected].filter((n) => !listed.has(n));
  const extra = [...listed].filter((n) => !expected.has(n));
  if (missing.length === 0 && extra.length === 0) return;
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`missing from the store: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  if (extra.length > 0) parts.push(`not in the object list: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`);
  throw new InvalidBackupError(
    `backup ${meta.backupId}: the objects in ${loc.container} do not match its object list (${parts.join('; ')})`,
  );
}
