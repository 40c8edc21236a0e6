import type { BackupRecord } from './backup-record.js';
import { ConfigError } from './errors.js';
import { checkIdentifier, identifierProblem, previewOf } from './ids.js';

/** Cinder's prefix timestamp: `strftime("%Y%m%d%H%M%S")` in UTC. */
export function cinderTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * posix/NFS prefix: `volume_<volume_id>_<ts>_backup_<backup_id>` (no availability zone, no `/`).
 * @throws ConfigError when an id breaks the rules of ids.ts (names are built for the caller's records).
 */
export function posixObjectPrefix(record: BackupRecord): string {
  checkRecordIds(record);
  return `volume_${record.volumeId}_${cinderTimestamp(record.createdAt)}_backup_${record.id}`;
}

/**
 * S3, GCS and Swift prefix: `volume_<volume_id>/<ts>/az_<az>_backup_<backup_id>`.
 * @throws ConfigError when an id breaks the rules of ids.ts, or the prefix would be too long.
 */
export function objectStorePrefix(record: BackupRecord, availabilityZone: string): string {
  checkRecordIds(record);
  const prefix = `volume_${record.volumeId}/${cinderTimestamp(record.createdAt)}/az_${availabilityZone}_backup_${record.id}`;
  const problem = identifierProblem('prefix', prefix);
  if (problem) {
    throw new ConfigError(
      `object name prefix of backup ${record.id} (availability zone ${previewOf(availabilityZone)}) ${problem}`,
      'availabilityZone',
    );
  }
  return prefix;
}

/**
 * posix/NFS default container: `id[0:2]/id[2:4]/id`, joined as Python's `os.path.join` does, which
 * skips the empty parts of ids shorter than 4 characters (`ab` → `ab/ab`).
 * @throws ConfigError when the id breaks the rules of ids.ts (it becomes a directory name).
 */
export function posixContainerFor(backupId: string): string {
  checkIdentifier('backup id', backupId, 'backupId');
  // Python slices code points, not UTF-16 units: a character outside the BMP is never cut in two.
  const chars = [...backupId];
  return [chars.slice(0, 2).join(''), chars.slice(2, 4).join(''), backupId].filter((part) => part !== '').join('/');
}

function checkRecordIds(record: BackupRecord): void {
  checkIdentifier('backup id', record.id, 'id');
  checkIdentifier('volume id', record.volumeId, 'volumeId');
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
