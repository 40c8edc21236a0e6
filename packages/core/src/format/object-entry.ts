import type { ObjectEntry } from './backup-metadata.js';

/**
 * An object list entry from its name and its fields as JSON gave them, or what is wrong with them
 * (`has no "compression"`, …) for the caller's error. Both readers of `_metadata` check entries here.
 */
export function objectEntryOf(name: string, compression: unknown, offset: unknown, length: unknown, md5: unknown): ObjectEntry | string {
  if (typeof compression !== 'string') return 'has no "compression"';
  if (!isNonNegativeInteger(offset)) return 'has no valid "offset"';
  if (!isNonNegativeInteger(length)) return 'has no valid "length"';
  if (typeof md5 !== 'string' || !MD5.test(md5)) return 'has no valid "md5"';
  return { name, offset, length, md5: md5.toLowerCase(), compression };
}

const MD5 = /^[0-9a-fA-F]{32}$/;

function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
