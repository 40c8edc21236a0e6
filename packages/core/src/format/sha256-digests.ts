/** Bytes of one SHA-256 digest. */
export const SHA256_DIGEST_BYTES = 32;

/**
 * A hash list as packed binary digests, 32 bytes each. A 1 GiB volume has 32768 blocks: as
 * strings its list cost a restore ~100 ms to build and check on the main thread before any
 * object could be checked, and ~100 ms more to copy into the workers' tasks.
 */
export class Sha256Digests {
  /** @param bytes The digests packed end to end, 32 bytes each. */
  constructor(readonly bytes: Uint8Array) {
    if (bytes.length % SHA256_DIGEST_BYTES !== 0) {
      throw new RangeError(`a list of SHA-256 digests takes a multiple of ${SHA256_DIGEST_BYTES} bytes, not ${bytes.length}`);
    }
  }

  /** The digests of hex strings in any case; null if one is not 64 hex digits. */
  static fromHex(list: readonly unknown[]): Sha256Digests | null {
    const bytes = Buffer.alloc(list.length * SHA256_DIGEST_BYTES);
    for (let i = 0; i < list.length; i++) {
      const h = list[i];
      if (typeof h !== 'string' || !HEX_DIGEST.test(h)) return null;
      bytes.write(h, i * SHA256_DIGEST_BYTES, SHA256_DIGEST_BYTES, 'hex');
    }
    return new Sha256Digests(bytes);
  }

  /** How many digests the list holds. */
  get length(): number {
    return this.bytes.length / SHA256_DIGEST_BYTES;
  }

  /** Lowercase hex of digest `i`. */
  hexAt(i: number): string {
    return hexOf(this.bytes, i);
  }

  /** The digests as lowercase hex strings, as `_sha256file` lists them. */
  toHex(): string[] {
    return Array.from({ length: this.length }, (_, i) => this.hexAt(i));
  }

  /** True when digest `i` of this list equals digest `j` of `other`. */
  equalsAt(i: number, other: Sha256Digests, j = i): boolean {
    return sameDigest(this.bytes, i, other.bytes, j);
  }

  /**
   * A copy of digests `[first, end)` (cut at the end of the list), to post to a worker: a view
   * would carry the whole list's buffer with it.
   */
  copyOf(first: number, end: number): Uint8Array {
    // Not `slice`: on a Buffer that is a view too.
    return new Uint8Array(this.bytes.subarray(first * SHA256_DIGEST_BYTES, Math.min(end, this.length) * SHA256_DIGEST_BYTES));
  }
}

/** True when digest `i` of packed list `a` equals digest `j` of packed list `b`; false when either is past its list. */
export function sameDigest(a: Uint8Array, i: number, b: Uint8Array, j: number): boolean {
  const x = i * SHA256_DIGEST_BYTES;
  const y = j * SHA256_DIGEST_BYTES;
  if (x + SHA256_DIGEST_BYTES > a.length || y + SHA256_DIGEST_BYTES > b.length) return false;
  for (let k = 0; k < SHA256_DIGEST_BYTES; k++) if (a[x + k] !== b[y + k]) return false;
  return true;
}

/** Lowercase hex of digest `i` of a packed list, or 'nothing' past its end (for messages). */
export function hexOf(packed: Uint8Array, i: number): string {
  const at = i * SHA256_DIGEST_BYTES;
  if (at + SHA256_DIGEST_BYTES > packed.length) return 'nothing';
  return Buffer.from(packed.buffer, packed.byteOffset + at, SHA256_DIGEST_BYTES).toString('hex');
}

const HEX_DIGEST = /^[0-9a-fA-F]{64}$/;
