import { backupIdOfPrefix, cinderTimestamp, metadataObjectName, sha256ObjectName, volumeIdOfPrefix } from './cinder-names.js';

/**
 * What an object is to the backup whose prefix it carries: a data object (`P-00001`), the hash
 * list (`P_sha256file`), the object list (`P_metadata`), or a removal marker
 * (`P_removing_<YYYYMMDDHHMMSS>_<hex>`), which a delete or a prune puts there while it works.
 */
export type BackupObjectKind = 'data' | 'sha256' | 'metadata' | 'removal-marker';

const DATA_SUFFIX = /^-\d{5,}$/;
const MARKER_SUFFIX = /^_removing_(\d{14})_[0-9a-f]+$/;
const MARKER_INFIX = '_removing_';

/**
 * What `name` is to the backup at `prefix`, or null when it is none of that backup's objects.
 * Listing by prefix also returns the objects of any backup whose prefix starts with this one
 * (ids `abc` and `abc2` in one bucket): those are not this backup's to check or remove.
 */
export function kindInPrefix(prefix: string, name: string): BackupObjectKind | null {
  if (!name.startsWith(prefix)) return null;
  const rest = name.slice(prefix.length);
  if (rest === '_metadata') return 'metadata';
  if (rest === '_sha256file') return 'sha256';
  if (DATA_SUFFIX.test(rest)) return 'data';
  if (MARKER_SUFFIX.test(rest)) return 'removal-marker';
  return null;
}

/** The names among `names` that are objects of the backup at `prefix`. */
export function namesInPrefix(prefix: string, names: readonly string[]): string[] {
  return names.filter((n) => kindInPrefix(prefix, n) !== null);
}

/** The objects a finished backup holds: its data objects, `_sha256file` and `_metadata`. */
export function finishedBackupNames(prefix: string, dataObjects: readonly string[]): string[] {
  return [...dataObjects, sha256ObjectName(prefix), metadataObjectName(prefix)];
}

/** The name of a removal marker of the backup at `prefix`, put at `at`. */
export function removalMarkerName(prefix: string, at: Date, nonce: string): string {
  return `${prefix}${MARKER_INFIX}${cinderTimestamp(at)}_${nonce}`;
}

/** The listing prefix under which every removal marker of `prefix` is found. */
export function removalMarkerPrefix(prefix: string): string {
  return prefix + MARKER_INFIX;
}

/** An object named like a Cinder backup's: the prefix it belongs to, what it is, and when that backup was made. */
export interface OwnedObject {
  prefix: string;
  kind: BackupObjectKind;
  /** The backup's creation time, from its prefix (whole seconds, UTC). */
  backupCreatedAt: Date;
  /** For a removal marker, when it was put. */
  markedAt?: Date;
}

/**
 * The backup an object name belongs to, told from the name alone, or null for a name that is
 * not a Cinder backup object (anything else in a shared bucket is never ours to touch). The
 * data suffix is always the name's last `-digits`, so a backup id ending in digits is no trouble.
 */
export function ownerOfObject(name: string): OwnedObject | null {
  let prefix: string;
  let kind: BackupObjectKind;
  let markedAt: Date | undefined;
  const marker = /^(.+)_removing_(\d{14})_[0-9a-f]+$/.exec(name);
  const data = /^(.+)-\d{5,}$/.exec(name);
  if (name.endsWith('_metadata')) {
    prefix = name.slice(0, -'_metadata'.length);
    kind = 'metadata';
  } else if (name.endsWith('_sha256file')) {
    prefix = name.slice(0, -'_sha256file'.length);
    kind = 'sha256';
  } else if (marker) {
    prefix = marker[1] as string;
    kind = 'removal-marker';
    markedAt = parseCompactUtc(marker[2] as string) ?? undefined;
    if (!markedAt) return null;
  } else if (data) {
    prefix = data[1] as string;
    kind = 'data';
  } else {
    return null;
  }
  const backupCreatedAt = prefixCreatedAt(prefix);
  if (!backupCreatedAt || !backupIdOfPrefix(prefix) || !volumeIdOfPrefix(prefix)) return null;
  return markedAt ? { prefix, kind, backupCreatedAt, markedAt } : { prefix, kind, backupCreatedAt };
}

/**
 * When the backup at a Cinder prefix was made, from the timestamp in its name
 * (`volume_<vid>_<ts>_backup_<id>` or `volume_<vid>/<ts>/az_<az>_backup_<id>`), or null.
 */
export function prefixCreatedAt(prefix: string): Date | null {
  const m = /^volume_.+?(?:_(\d{14})_backup_|\/(\d{14})\/az_)/.exec(prefix);
  const stamp = m ? (m[1] ?? m[2]) : undefined;
  return stamp ? parseCompactUtc(stamp) : null;
}

/** A `YYYYMMDDHHMMSS` UTC timestamp as Cinder's prefixes write it, or null. */
function parseCompactUtc(stamp: string): Date | null {
  const n = (from: number, length: number): number => Number(stamp.slice(from, from + length));
  const date = new Date(Date.UTC(n(0, 4), n(4, 2) - 1, n(6, 2), n(8, 2), n(10, 2), n(12, 2)));
  // A calendar date that does not exist (month 13, 31 February) is not a Cinder timestamp.
  return cinderTimestamp(date) === stamp ? date : null;
}

/** A backup as the name of its `_metadata` object gives it, before (or without) reading it. */
export interface NamedBackup {
  /** The backup id its name ends with. */
  id: string;
  /** The container its `_metadata` is in. */
  container: string;
  /** Its name prefix, Cinder's `service_metadata`. */
  prefix: string;
  /** The volume id its name gives (a hint: only `_metadata` says), or null when the name has none. */
  volumeId: string | null;
  /** When it was made, by the timestamp in its name, or null when the name has none. */
  createdAt: Date | null;
}

/** What the name prefix of backup `id` in `container` tells of it. */
export function namedBackup(container: string, prefix: string, id: string): NamedBackup {
  return { id, container, prefix, volumeId: volumeIdOfPrefix(prefix), createdAt: prefixCreatedAt(prefix) };
}
