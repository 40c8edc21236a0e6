import type { BackupRecord } from './backup-record.js';
import { metadataObjectName, sha256ObjectName } from './cinder-names.js';
import { hasErrorCode, InvalidBackupError, NotFoundError } from './errors.js';
import { parseBackupMetadata, type BackupMetadata } from './format/backup-metadata.js';
import { parseSha256File, type Sha256File } from './format/sha256-file.js';
import type { ObjectStore, StoreCallOptions } from './object-store.js';

/** Where a backup's objects are: its container and name prefix. */
export interface BackupLocation {
  /** The container, the record's `container`. */
  container: string;
  /** The name prefix, the record's `serviceMetadata`. */
  prefix: string;
}

/** The location recorded in a backup record, or an error saying what is missing. */
export function locationOf(record: BackupRecord): BackupLocation {
  if (!record.container || !record.serviceMetadata) {
    throw new InvalidBackupError(
      `backup ${record.id} has no container or object prefix (service_metadata): it was never written, or the record is incomplete`,
    );
  }
  return { container: record.container, prefix: record.serviceMetadata };
}

/** Reads and parses `P_metadata`; a missing one means the backup does not exist (or never finished). */
export async function readBackupMetadata(store: ObjectStore, loc: BackupLocation, opts?: StoreCallOptions): Promise<BackupMetadata> {
  const name = metadataObjectName(loc.prefix);
  let bytes: Uint8Array;
  try {
    bytes = await store.getObject(loc.container, name, opts);
  } catch (err) {
    if (hasErrorCode(err, 'E_NOT_FOUND')) {
      throw new NotFoundError(`backup not found: ${loc.container}/${name} does not exist (unfinished or deleted backup?)`, { cause: err });
    }
    throw err;
  }
  return parseBackupMetadata(bytes, name);
}

/** Reads `P_sha256file`, or null when it is missing (Cinder restores without it). */
export async function readSha256File(store: ObjectStore, loc: BackupLocation, opts?: StoreCallOptions): Promise<Sha256File | null> {
  const name = sha256ObjectName(loc.prefix);
  try {
    return parseSha256File(await store.getObject(loc.container, name, opts), name);
  } catch (err) {
    if (hasErrorCode(err, 'E_NOT_FOUND')) return null;
    throw err;
  }
}

/** End of the furthest object: the volume size a full backup covers. */
export function coveredBytes(meta: BackupMetadata): number {
  let end = 0;
  for (const o of meta.objects) end = Math.max(end, o.offset + o.length);
  return end;
}

/** Size of the volume a chain holds: the furthest any of its backups reaches. */
export function chainVolumeBytes(metas: Iterable<BackupMetadata>): number {
  let bytes = 0;
  for (const meta of metas) bytes = Math.max(bytes, coveredBytes(meta));
  return bytes;
}

/** Cinder's `size` of a backup: whole GiB, at least 1. */
export function sizeInGiB(volumeBytes: number): number {
  return Math.max(1, Math.ceil(volumeBytes / 1024 ** 3));
}
