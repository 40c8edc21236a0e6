import { createHash } from 'node:crypto';

/** The raw MD5 digest of `bytes`, as the SDK takes Content-MD5 and returns a blob's stored one. */
export function md5(bytes: Uint8Array): Buffer {
  return createHash('md5').update(bytes).digest();
}
