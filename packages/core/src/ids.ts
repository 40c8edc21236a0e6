import { ConfigError, InvalidBackupError } from './errors.js';

/**
 * The rules every identifier volback puts into object names follows, wherever it comes from:
 * the command line, a host's record, an export record or a stored `_metadata`.
 *
 * Cinder's ids are UUIDs; volback also takes other ids (`vol-web-1`), within these rules:
 * - at most {@link MAX_ID_BYTES} bytes of UTF-8 (containers and prefixes: their own bounds);
 * - well-formed text without control characters (newlines, the ESC of terminal escape
 *   sequences, NUL), Unicode format characters (bidirectional overrides) or line separators;
 * - ids name one path segment: no `/` or `\`, and not `.` or `..`;
 * - a backup id never contains `_backup_`, which ends the prefix in Cinder's object names.
 */

/**
 * Bytes of an id. Cinder's posix names put two ids in one file name,
 * `volume_<volume id>_<14 digits>_backup_<backup id>_sha256file`: 41 bytes besides the ids,
 * and a file name holds 255 bytes (NAME_MAX on Linux, NFS and most filesystems), so two ids get
 * 214 between them. 100 each leaves room for data objects past `-99999`; a UUID takes 36.
 */
export const MAX_ID_BYTES = 100;
/** Bytes of a container: Cinder's `backups.container` column holds 255 characters. */
export const MAX_CONTAINER_BYTES = 255;
/**
 * Bytes of an object-name prefix (Cinder's `service_metadata`): 255, a file name's limit, less
 * `_sha256file`, the longest suffix put after it, so every object of a backup can be a file.
 */
export const MAX_PREFIX_BYTES = 255 - '_sha256file'.length;

/** What a checked string is, for messages and for its rules. */
export type IdentifierKind = 'backup id' | 'parent id' | 'volume id' | 'container' | 'prefix';

const MAX_BYTES: Record<IdentifierKind, number> = {
  'backup id': MAX_ID_BYTES,
  'parent id': MAX_ID_BYTES,
  'volume id': MAX_ID_BYTES,
  container: MAX_CONTAINER_BYTES,
  prefix: MAX_PREFIX_BYTES,
};

/** Control, format, private-use, unassigned and surrogate code points, and line/paragraph separators. */
const UNPRINTABLE = /[\p{C}\p{Zl}\p{Zp}]/u;
const UNPRINTABLE_ALL = /[\p{C}\p{Zl}\p{Zp}]/gu;
/** Characters of a message quoting a rejected value; the rest is summarised by its length. */
const PREVIEW_CHARS = 40;

/** True when `value` holds a character that is not printable (the rule `identifierProblem` applies). */
export function hasUnprintable(value: string): boolean {
  return UNPRINTABLE.test(value);
}

/** Why `value` breaks the rules for `kind`, or null when it follows them. */
export function identifierProblem(kind: IdentifierKind, value: unknown): string | null {
  if (typeof value !== 'string') return 'is not a string';
  if (value === '') return 'is empty';
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_BYTES[kind]) return `is ${bytes} bytes long, more than the ${MAX_BYTES[kind]} allowed`;
  if (hasUnprintable(value)) return 'contains a character that is not printable (control, format, line separator or lone surrogate)';
  if (value.includes('\\')) return 'contains a backslash';
  if (kind === 'container' || kind === 'prefix') {
    if (value.startsWith('/')) return 'starts with "/"';
    if (value.split('/').some((s) => s === '' || s === '.' || s === '..')) return 'has an empty, "." or ".." path segment';
    return null;
  }
  if (value.includes('/')) return 'contains "/"';
  if (value === '.' || value === '..') return 'is "." or ".."';
  if ((kind === 'backup id' || kind === 'parent id') && value.includes('_backup_')) {
    return 'contains "_backup_", which ends the prefix of Cinder object names';
  }
  return null;
}

/**
 * Checks an identifier given by the user or the host.
 * @param field the option or setting it came from, named by the ConfigError.
 * @throws ConfigError when it breaks the rules.
 */
export function checkIdentifier(kind: IdentifierKind, value: string, field: string): string {
  const problem = identifierProblem(kind, value);
  if (problem) throw new ConfigError(`${field}: ${kind} ${previewOf(value)} ${problem}`, field);
  return value;
}

/**
 * Checks an identifier read from a store or an export record.
 * @param source what it was read from (an object name, "backup record"), named by the error.
 * @throws InvalidBackupError when it breaks the rules.
 */
export function checkStoredIdentifier(kind: IdentifierKind, value: unknown, source: string): string {
  const problem = identifierProblem(kind, value);
  if (problem) throw new InvalidBackupError(`${source}: ${kind} ${previewOf(value)} ${problem}`);
  return value as string;
}

/**
 * A short, printable rendering of a value for an error message: hostile text (100 000
 * characters, escape sequences) must not reach a terminal whole.
 */
export function previewOf(value: unknown): string {
  if (typeof value !== 'string') return value === null ? 'null' : `of type ${typeof value}`;
  const head = [...value.slice(0, PREVIEW_CHARS + 1)].slice(0, PREVIEW_CHARS).join('');
  const shown = escapeUnprintable(JSON.stringify(head));
  return head.length < value.length ? `${shown.slice(0, -1)}…" (${value.length} characters)` : shown;
}

/**
 * `text` with every unprintable character (by the rule of `identifierProblem`: control characters
 * such as the ESC of terminal escape sequences, bidirectional overrides, separators) written as
 * a `\u` escape. With `keepNewlines`, `\n` stays a line break.
 */
export function escapeUnprintable(text: string, keepNewlines = false): string {
  return text.replace(UNPRINTABLE_ALL, (c) => {
    if (keepNewlines && c === '\n') return c;
    const cp = c.codePointAt(0) ?? 0;
    return cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  });
}
