import { InvalidBackupError } from '@volback/core';

/**
 * Prefix of the temporary files `putObject` writes before renaming them into place.
 * A dot-file never starts with a Cinder posix prefix (`volume_…`), so a listing by
 * backup prefix can never mistake a half-written file for an object.
 */
export const TEMP_FILE_PREFIX = '.volback-tmp-';

/** Refuses characters that could change how a path is read on some platform or tool. */
function refuseBadCharacters(kind: string, value: string): void {
  if (value.includes('\0')) throw new InvalidBackupError(`posix: ${kind} name contains a NUL byte: ${JSON.stringify(value)}`);
  if (value.includes('\\')) throw new InvalidBackupError(`posix: ${kind} name contains a backslash: ${JSON.stringify(value)}`);
}

/**
 * Checks a container (a directory relative to the root, `/`-separated, any depth) and
 * returns its segments. Refuses anything that could leave the root: absolute paths,
 * `.`/`..` and empty segments, NUL bytes and backslashes.
 */
export function containerSegments(container: string): string[] {
  refuseBadCharacters('container', container);
  if (container.startsWith('/')) throw new InvalidBackupError(`posix: container must be relative to the root: ${JSON.stringify(container)}`);
  const segments = container.split('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new InvalidBackupError(`posix: container has an empty, "." or ".." segment: ${JSON.stringify(container)}`);
    }
  }
  return segments;
}

/**
 * Checks an object name: one path segment (Cinder posix names contain no `/`), not `.`
 * or `..`, and never one of our temporary names.
 */
export function checkObjectName(name: string): void {
  refuseBadCharacters('object', name);
  if (name === '' || name === '.' || name === '..' || name.includes('/')) {
    throw new InvalidBackupError(`posix: object name must be a single non-empty path segment: ${JSON.stringify(name)}`);
  }
  if (name.startsWith(TEMP_FILE_PREFIX)) {
    throw new InvalidBackupError(`posix: object name uses the reserved temporary prefix: ${JSON.stringify(name)}`);
  }
}
