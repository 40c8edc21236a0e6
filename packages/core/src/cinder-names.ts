import type { BackupRecord } from './backup-record.js';

/** Cinder's prefix timestamp: `strftime("%Y%m%d%H%M%S")` in UTC. */
export function cinderTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** posix/NFS prefix: `volume_<volume_id>_<ts>_backup_<backup_id>` (no availability zone, no `/`). */
export function posixObjectPrefix(record: BackupRecord): string {
  return `volume_${record.volumeId}_${cinderTimestamp(record.createdAt)}_backup_${record.id}`;
}

/** S3, GCS and Swift prefix: `volume_<volume_id>/<ts>/az_<az>_backup_<backup_id>`. */
export function objectStorePrefix(record: BackupRecord, availabilityZone: string): string {
  return `volume_${record.volumeId}/${cinderTimestamp(record.createdAt)}/az_${availabilityZone}_backup_${record.id}`;
}

/** posix/NFS default container: `id[0:2]/id[2:4]/id`. */
export function posixContainerFor(backupId: string): string {
  return `${backupId.slice(0, 2)}/${backupId.slice(2, 4)}/${backupId}`;
}

/** Data object `n` (from 1): `%s-%05d`, which does not cap the number of digits. */
export function dataObjectName(prefix: string, n: number): string {
  return `${prefix}-${String(n).padStart(5, '0')}`;
}

/** The object list, written last: a backup without it does not exist. */
export function metadataObjectName(prefix: string): string {
  return `${prefix}_metadata`;
}

/** The SHA-256 list of every hash block of the volume. */
export function sha256ObjectName(prefix: string): string {
  return `${prefix}_sha256file`;
}

const METADATA_SUFFIX = '_metadata';

/** For an object name ending in `_metadata`, the prefix of its backup; else null. */
export function prefixOfMetadataObject(name: string): string | null {
  return name.endsWith(METADATA_SUFFIX) ? name.slice(0, -METADATA_SUFFIX.length) : null;
}

/** The backup id at the end of a Cinder prefix (`..._backup_<id>`), or null. */
export function backupIdOfPrefix(prefix: string): string | null {
  const at = prefix.lastIndexOf('_backup_');
  return at < 0 ? null : prefix.slice(at + '_backup_'.length);
}

/**
 * The volume id a Cinder prefix names (`volume_<id>_<ts>_backup_…` or `volume_<id>/<ts>/az_…`),
 * or null when the prefix has neither form.
 */
export function volumeIdOfPrefix(prefix: string): string | null {
  const m = /^volume_(.+?)(?:_\d{14}_backup_|\/\d{14}\/az_)/.exec(prefix);
  return m ? (m[1] as string) : null;
}
