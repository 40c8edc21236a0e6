import { InvalidBackupError, UnsupportedError } from '../errors.js';
import { objectEntryOf } from './object-entry.js';
import { scanMetadataObjects } from './object-list-scan.js';
import { withCheckedIds } from './metadata-ids.js';
import { pythonJsonDumps, type PythonJsonValue } from './python-json.js';

/** The only on-store format version Cinder (and volback) reads and writes. */
export const FORMAT_VERSION = '1.0.0';

/** One data object of a backup, as listed in `_metadata`. */
export interface ObjectEntry {
  /** The object's name in the container (the backup's prefix, then `-00001` and so on). */
  name: string;
  /** Byte offset in the volume. */
  offset: number;
  /** Uncompressed length. */
  length: number;
  /** Lowercase hex MD5 of the uncompressed data. */
  md5: string;
  /** Compression tag as stored (compared case-insensitively on read). */
  compression: string;
}

/** The fields `_metadata` and `_sha256file` both start with. */
export interface BackupFileHeader {
  /** The format version, `1.0.0`: Cinder refuses to read any other, and so does volback. */
  version: string;
  /** The UUID of the backup the file belongs to, checked against the record on restore. */
  backupId: string;
  /** The UUID of the volume backed up. */
  volumeId: string;
  /** The backup's display name when it was made, kept for Cinder; never read back. */
  backupName: string | null;
  /** The backup's display description when it was made, kept for Cinder; never read back. */
  backupDescription: string | null;
  /** Python `str(datetime)` text, kept verbatim so a re-encode is byte-identical. */
  createdAt: string;
}

/** The header in Cinder's snake_case keys. */
export function headerDocument(h: BackupFileHeader): Record<string, PythonJsonValue> {
  return {
    version: h.version,
    backup_id: h.backupId,
    volume_id: h.volumeId,
    backup_name: h.backupName,
    backup_description: h.backupDescription,
    created_at: h.createdAt,
  };
}

/** The content of `P_metadata` (cinder-format.md §5). */
export interface BackupMetadata extends BackupFileHeader {
  /** Every data object of the backup, in volume order: what a restore reads. */
  objects: ObjectEntry[];
  /** The parent backup of an incremental, whose objects fill the blocks this one did not write. */
  parentId: string | null;
  /** Volume metadata: a JSON string inside the JSON, or null. */
  volumeMeta: string | null;
  /** Cinder's `extra_metadata`, written only when set; volback keeps it without reading it. */
  extraMetadata?: PythonJsonValue;
}

/** Serialises `_metadata` exactly as Cinder: sorted keys, 2-space indent, ASCII, no trailing newline. */
export function encodeBackupMetadata(meta: BackupMetadata): Uint8Array {
  const doc: Record<string, PythonJsonValue> = {
    ...headerDocument(meta),
    objects: meta.objects.map((o) => ({
      [o.name]: { offset: o.offset, length: o.length, md5: o.md5, compression: o.compression },
    })),
    parent_id: meta.parentId,
    volume_meta: meta.volumeMeta,
  };
  if (meta.extraMetadata !== undefined && meta.extraMetadata !== null) doc.extra_metadata = meta.extraMetadata;
  return new TextEncoder().encode(pythonJsonDumps(doc, { sortKeys: true, indent: 2 }));
}

/**
 * Parses `_metadata`. Any layout Python's `json.loads` accepts is fine (compact, unsorted, extra
 * keys); a wrong version or a malformed object list is an error naming `objectName`.
 */
export function parseBackupMetadata(bytes: Uint8Array, objectName: string): BackupMetadata {
  const text = decodeJsonText(bytes, objectName);
  const fast = withScannedObjects(text);
  const doc = fast?.doc ?? parseJsonText(text, objectName);
  const version = doc.version;
  if (typeof version !== 'string') throw bad(objectName, 'has no "version"');
  if (version !== FORMAT_VERSION) {
    throw new UnsupportedError(`${objectName}: no support to restore backup version ${version} (only ${FORMAT_VERSION})`);
  }
  let objects = fast?.objects;
  if (!objects) {
    if (!Array.isArray(doc.objects)) throw bad(objectName, '"objects" is not a list');
    objects = doc.objects.map((item: unknown, i: number) => parseObjectEntry(item, i, objectName));
  }
  return withCheckedIds(
    {
      version,
      backupId: requireString(doc, 'backup_id', objectName),
      volumeId: requireString(doc, 'volume_id', objectName),
      backupName: optionalString(doc, 'backup_name', objectName),
      backupDescription: optionalString(doc, 'backup_description', objectName),
      createdAt: typeof doc.created_at === 'string' ? doc.created_at : '',
      objects,
      parentId: optionalString(doc, 'parent_id', objectName),
      volumeMeta: optionalString(doc, 'volume_meta', objectName),
      ...(doc.extra_metadata !== undefined ? { extraMetadata: doc.extra_metadata as PythonJsonValue } : {}),
    },
    objectName,
  );
}

function parseObjectEntry(item: unknown, index: number, objectName: string): ObjectEntry {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw bad(objectName, `objects[${index}] is not an object`);
  }
  const keys = Object.keys(item);
  if (keys.length !== 1) throw bad(objectName, `objects[${index}] must have exactly one key (the object name)`);
  const name = keys[0] as string;
  const body = (item as Record<string, unknown>)[name];
  if (typeof body !== 'object' || body === null) throw bad(objectName, `objects[${index}] (${name}) has no attributes`);
  const b = body as Record<string, unknown>;
  const entry = objectEntryOf(name, b.compression, b.offset, b.length, b.md5);
  if (typeof entry === 'string') throw bad(objectName, `objects[${index}] (${name}) ${entry}`);
  return entry;
}

/**
 * The document with its object list read by scanObjectList and the rest by JSON.parse, or null
 * when the list is not in the plain shape (JSON.parse then reads it all, and names any fault).
 */
function withScannedObjects(text: string): { doc: Record<string, unknown>; objects: ObjectEntry[] } | null {
  const scanned = scanMetadataObjects(text);
  if (!scanned) return null;
  try {
    const rest = text.slice(0, scanned.start) + '[]' + text.slice(scanned.end);
    return { doc: JSON.parse(rest) as Record<string, unknown>, objects: scanned.entries };
  } catch {
    return null;
  }
}

/** Parses a JSON object written by Cinder, or throws InvalidBackupError naming the object. */
export function parseJsonObject(bytes: Uint8Array, objectName: string): Record<string, unknown> {
  return parseJsonText(decodeJsonText(bytes, objectName), objectName);
}

function decodeJsonText(bytes: Uint8Array, objectName: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw new InvalidBackupError(`${objectName} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

function parseJsonText(text: string, objectName: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InvalidBackupError(`${objectName} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad(objectName, 'is not a JSON object');
  return doc as Record<string, unknown>;
}

function requireString(doc: Record<string, unknown>, key: string, objectName: string): string {
  const v = doc[key];
  if (typeof v !== 'string') throw bad(objectName, `has no "${key}"`);
  return v;
}

function optionalString(doc: Record<string, unknown>, key: string, objectName: string): string | null {
  const v = doc[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw bad(objectName, `"${key}" is not a string`);
  return v;
}

function bad(objectName: string, what: string): InvalidBackupError {
  return new InvalidBackupError(`${objectName} ${what}`);
}
