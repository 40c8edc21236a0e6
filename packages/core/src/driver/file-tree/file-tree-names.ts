import type { StoreErrors } from '../store-errors.js';

/**
 * Prefix of the temporary files a put writes before renaming them into place. A dot-file never
 * starts with a Cinder posix prefix (`volume_…`), so a listing by backup prefix can never
 * mistake a half-written file for an object.
 */
export const TEMP_FILE_PREFIX = '.volback-tmp-';

/**
 * The segments of a container, a directory relative to the root at any depth, `/`-separated.
 * Refuses what could leave the root or be read differently by some tool: an absolute path,
 * empty, `.` and `..` segments, backslashes. (Core has refused empty names and NUL bytes already.)
 */
export function containerSegments(errors: StoreErrors, container: string): string[] {
  const quoted = JSON.stringify(container);
  if (container.includes('\\')) throw errors.invalid(`container name contains a backslash: ${quoted}`);
  const segments = container.split('/');
  // An absolute path starts with an empty segment.
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw errors.invalid(`container must be a relative path without empty, "." or ".." segments: ${quoted}`);
  }
  return segments;
}

/**
 * Refuses an object name the tree cannot hold as one file of its container: core has refused
 * `/`, `.`, `..` and NUL already; here backslashes, and our temporary names, which listings hide.
 */
export function checkObjectName(errors: StoreErrors, name: string): void {
  const quoted = JSON.stringify(name);
  if (name.includes('\\')) throw errors.invalid(`object name contains a backslash: ${quoted}`);
  if (name.startsWith(TEMP_FILE_PREFIX)) throw errors.invalid(`object name uses the reserved temporary prefix: ${quoted}`);
}
