import { createHash } from 'node:crypto';

/** The `Content-MD5` header value of `bytes`: base64 of the raw MD5 digest. */
export function contentMd5(bytes: Uint8Array | string): string {
  return createHash('md5').update(bytes).digest('base64');
}
