import { hash } from 'node:crypto';

const zeroPages = new Map<number, Buffer>();

/** A shared all-zero buffer of `length` bytes, for comparisons. Never write to it. */
function zeros(length: number): Buffer {
  let z = zeroPages.get(length);
  if (!z) {
    z = Buffer.alloc(length);
    zeroPages.set(length, z);
  }
  return z;
}

/** True when every byte is zero; a native memcmp against a shared zero page. */
export function isAllZero(data: Uint8Array): boolean {
  const page = 1 << 20;
  for (let at = 0; at < data.length; at += page) {
    const piece = data.subarray(at, Math.min(at + page, data.length));
    if (Buffer.compare(piece, zeros(piece.length)) !== 0) return false;
  }
  return true;
}

const zeroBlockHashes = new Map<number, string>();

/** SHA-256 hex of `length` zero bytes, computed once per length. */
export function zeroBlockSha256(length: number): string {
  let h = zeroBlockHashes.get(length);
  if (!h) {
    h = sha256Hex(zeros(length));
    zeroBlockHashes.set(length, h);
  }
  return h;
}

/** SHA-256 hex of one hash block; a zero block skips hashing, as its digest is known. */
export function blockSha256(block: Uint8Array): string {
  return isAllZero(block) ? zeroBlockSha256(block.length) : sha256Hex(block);
}

const zeroBlockDigests = new Map<number, Buffer>();

/** SHA-256 of one hash block as 32 bytes; the caller says whether it is all zero, whose digest is known. Restore compares these with the packed hash list. */
export function blockSha256Digest(block: Uint8Array, allZero: boolean): Buffer {
  if (!allZero) return hash('sha256', block, 'buffer');
  let d = zeroBlockDigests.get(block.length);
  if (!d) {
    d = hash('sha256', zeros(block.length), 'buffer');
    zeroBlockDigests.set(block.length, d);
  }
  return d;
}

/**
 * SHA-256 hex of each `blockSize` block of `data` (the last one may be short), as Cinder's
 * `_sha256file` lists them.
 */
export function hashBlocks(data: Uint8Array, blockSize: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < data.length; at += blockSize) out.push(blockSha256(data.subarray(at, Math.min(at + blockSize, data.length))));
  return out;
}

/** MD5 hex of `data`: Cinder's per-object checksum of the uncompressed bytes. */
export function md5Hex(data: Uint8Array): string {
  return hash('md5', data, 'hex');
}

/**
 * SHA-256 hex of one hash block. The one-shot `hash` skips the Hash object that `createHash`
 * builds per call: ~10 % less time over a volume's 32 KiB blocks.
 */
export function sha256Hex(block: Uint8Array): string {
  return hash('sha256', block, 'hex');
}
