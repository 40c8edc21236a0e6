import type { StoreErrors } from './store-errors.js';

/** Longest container or object name a store is asked to use, in UTF-8 bytes (S3's and GCS's key bound). */
const MAX_NAME_BYTES = 1024;

/**
 * Refuses a name no store should be asked to use: empty, with a NUL byte, `.` or `..`, longer
 * than a key may be, or holding `/` where the layout's names are one path segment. Names come
 * from records, which a hostile store may have written, so they are checked before any call.
 */
export function checkStoreName(errors: StoreErrors, kind: 'container' | 'object', name: string, slashAllowed: boolean): void {
  const problem =
    typeof name !== 'string' || name === ''
      ? 'is empty'
      : name.includes('\0')
        ? 'contains a NUL byte'
        : name === '.' || name === '..'
          ? 'is "." or ".."'
          : !slashAllowed && name.includes('/')
            ? 'contains "/"'
            : Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES
              ? `is longer than ${MAX_NAME_BYTES} bytes`
              : null;
  if (problem !== null) throw errors.invalid(`${kind} name ${JSON.stringify(String(name).slice(0, 80))} ${problem}`);
}
