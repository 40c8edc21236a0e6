import { compressByCopy, maxStoredLength } from '../../codecs/codec.js';
import { codecFor, type Codec } from '../../codecs/index.js';
import { IntegrityError, VolbackError } from '../../errors.js';
import { fillSha256Digests, type Sha256FileLayout } from '../../format/sha256-file.js';
import { hexOf, sameDigest } from '../../format/sha256-digests.js';
import { blockSha256Digest, hashBlocks, isAllZero, md5Hex, zeroBlockSha256 } from '../hashing/block-hashes.js';

/**
 * The CPU-heavy steps of backup and restore, as pure functions of plain data, so they run the
 * same on a worker thread as inline. Everything here is per chunk or per object: no I/O.
 */

/** One object-size chunk of the volume to hash and turn into stored objects. */
export interface ChunkTask {
  data: Uint8Array;
  /** Where compressed objects go, one after another: at least `data.length` bytes, reused by the caller. */
  scratch: Uint8Array;
  blockSize: number;
  /** The parent's digests for this chunk's blocks, packed (incremental), or null (full backup). */
  parentHashes: Uint8Array | null;
  /** Codec tag to compress with (`none` to store raw) and the tag written for compressed objects. */
  codecTag: string;
  compressionTag: string;
  level: number | undefined;
  /** True when the caller computes the MD5 of objects that hold data (the MD5 lanes do several at once). */
  md5ByCaller?: boolean;
  /**
   * The backup's `_sha256file`, laid out in shared memory, and the index of this chunk's first
   * block: the hashes are written straight into it, so none cross back to the main thread.
   */
  hashList?: { layout: Sha256FileLayout; firstBlock: number };
}

/** One object cut from a chunk: bytes `[start, end)` of the chunk. */
export interface ChunkObject {
  start: number;
  end: number;
  /** MD5 of the uncompressed bytes; null when the task left it to the caller (never for zero objects). */
  md5: string | null;
  /** True when all bytes are zero: the caller stores its cached zero object instead. */
  allZero: boolean;
  /** Tag to store under; absent for zero objects. */
  tag?: string;
  /** Compressed bytes, a view of the scratch; absent when stored raw (it is then `data[start, end)`) or zero. */
  stored?: Uint8Array;
}

export interface ChunkResult {
  /** The chunk and the scratch, handed back so their buffers can be reused (and objects sliced from them). */
  data: Uint8Array;
  scratch: Uint8Array;
  objects: ChunkObject[];
}

/**
 * Hashes every block of a chunk and cuts the objects to store: the whole chunk for a full
 * backup, or each maximal run of blocks whose hash differs from the parent's (Cinder's rule:
 * runs never cross the chunk). Objects are compressed unless all zero, and kept raw (tag
 * `none`) when compression does not shrink them.
 */
export async function processChunk(task: ChunkTask): Promise<ChunkResult> {
  const { data, scratch, blockSize, parentHashes } = task;
  const hashes = hashBlocks(data, blockSize);
  const objects: ChunkObject[] = [];
  const codec = codecFor(task.codecTag);
  let used = 0;
  for (const run of changedRuns(hashes, parentHashes)) {
    const start = run.first * blockSize;
    const end = Math.min(run.end * blockSize, data.length);
    const bytes = data.subarray(start, end);
    const allZero = hashes
      .slice(run.first, run.end)
      .every((h, i) => h === zeroBlockSha256(Math.min(blockSize, data.length - (run.first + i) * blockSize)));
    if (allZero) {
      objects.push({ start, end, md5: zeroMd5(end - start), allZero });
      continue;
    }
    const md5 = task.md5ByCaller ? null : md5Hex(bytes);
    // One byte short of the raw length: what does not come out smaller is stored raw.
    const out = scratch.subarray(used, used + bytes.length - 1);
    const skip = codec.family === 'none' || (await looksIncompressible(codec, bytes, out, task.level));
    const length = skip ? null : await compressInto(codec, bytes, out, task.level);
    if (length === null) {
      objects.push({ start, end, md5, allZero, tag: 'none' });
    } else {
      objects.push({ start, end, md5, allZero, tag: task.compressionTag, stored: out.subarray(0, length) });
      used += length;
    }
  }
  if (task.hashList) fillSha256Digests(task.hashList.layout, task.hashList.firstBlock, hashes);
  return { data, scratch, objects };
}

const SAMPLE_BYTES = 32 * 1024;
const SAMPLES = 8;
/** A sample that shrinks by less than this is taken for noise (encrypted or compressed data). */
const SAMPLE_MAX_RATIO = 0.97;

/**
 * True when evenly spaced samples of a large object all fail to shrink: compressing the whole
 * object would be wasted work, as it would be stored raw anyway. zstd level 1 spends ~1.1 ms per
 * MiB of random data to find that out, 40 % of the bench volume; eight 32 KiB samples cost 3 %
 * of that. The first sample that shrinks ends the test, so compressible objects pay for one.
 * `out` is only scribbled on.
 */
async function looksIncompressible(codec: Codec, data: Uint8Array, out: Uint8Array, level: number | undefined): Promise<boolean> {
  if (data.length < 4 * SAMPLES * SAMPLE_BYTES) return false;
  const step = Math.floor(data.length / SAMPLES);
  for (let i = 0; i < SAMPLES; i++) {
    const sample = data.subarray(i * step, i * step + SAMPLE_BYTES);
    const room = out.subarray(0, Math.floor(SAMPLE_BYTES * SAMPLE_MAX_RATIO));
    if ((await compressInto(codec, sample, room, level)) !== null) return false;
  }
  return true;
}

function compressInto(codec: Codec, data: Uint8Array, out: Uint8Array, level: number | undefined): Promise<number | null> {
  return codec.compressInto ? codec.compressInto(data, out, level) : compressByCopy(codec, data, out, level);
}

interface BlockRun {
  first: number;
  end: number;
}

function changedRuns(hashes: string[], parent: Uint8Array | null): BlockRun[] {
  if (parent === null) return hashes.length > 0 ? [{ first: 0, end: hashes.length }] : [];
  // One hex string for the chunk's parent digests; a block is unchanged when its hex is found at its place.
  const parentHex = Buffer.from(parent.buffer, parent.byteOffset, parent.length).toString('hex');
  const runs: BlockRun[] = [];
  let start = -1;
  for (let i = 0; i <= hashes.length; i++) {
    const changed = i < hashes.length && (parentHex.length < (i + 1) * 64 || !parentHex.startsWith(hashes[i] as string, i * 64));
    if (changed && start < 0) start = i;
    if (!changed && start >= 0) {
      runs.push({ first: start, end: i });
      start = -1;
    }
  }
  return runs;
}

const zeroMd5s = new Map<number, string>();

/** MD5 of `length` zero bytes, computed once per length. */
export function zeroMd5(length: number): string {
  let h = zeroMd5s.get(length);
  if (!h) {
    h = md5Hex(new Uint8Array(length));
    zeroMd5s.set(length, h);
  }
  return h;
}

/** One stored object to decompress and check before its bytes are written. */
export interface ObjectCheckTask {
  name: string;
  stored: Uint8Array;
  /** Where to decompress to, at least `length` bytes and reused by the caller; null to allocate. */
  into: Uint8Array | null;
  compression: string;
  length: number;
  md5: string;
  /**
   * 'always' checks MD5 too (verify audits every field); 'if-uncovered' skips it when every byte
   * already passed a SHA-256 block check, the stronger test, which saves a quarter of a restore's CPU.
   */
  md5Check: 'always' | 'if-uncovered';
  /** Volume offset of the object, and the hash list that covers it (its own backup's), if any. */
  offset: number;
  blockSize: number | null;
  /** Expected SHA-256 of the blocks from `offset / blockSize` on, packed 32 bytes each, one per block of the object. */
  blockHashes: Uint8Array | null;
  /** Which of those blocks to check, a byte each (1: check); null checks them all. */
  blockChecked?: Uint8Array | null;
  /** Volume size, to tell a short last block from a partial block inside an object. */
  volumeBytes: number;
}

export interface ObjectCheckResult {
  /** The object's bytes: a view of `into` or of `stored`, or a buffer of its own. */
  data: Uint8Array;
  allZero: boolean;
  /** The stored bytes and the output buffer, handed back so a worker never holds on to them. */
  stored: Uint8Array;
  into: Uint8Array | null;
}

/**
 * Decompresses an object and checks it: length and MD5 from `_metadata`, and the SHA-256 of
 * every whole block against `_sha256file`. Throws IntegrityError naming the object.
 */
export async function checkObject(task: ObjectCheckTask): Promise<ObjectCheckResult> {
  const { name } = task;
  const codec = codecFor(task.compression);
  if (codec.family !== 'none' && task.stored.length > maxStoredLength(task.length)) {
    throw new IntegrityError(
      `${name}: stored in ${task.stored.length} bytes, more than any encoding of the ${task.length} bytes its metadata says`,
      name,
    );
  }
  let data: Uint8Array;
  try {
    // Decoding stops at the declared length, so a bomb takes no more memory than the object would.
    if (codec.family === 'none') data = task.stored;
    else if (task.into && task.into.length >= task.length) {
      const out = task.into.subarray(0, task.length);
      data = out.subarray(0, await codec.decompressInto(task.stored, out));
    } else {
      data = await codec.decompress(task.stored, task.length);
    }
  } catch (err) {
    // A codec that cannot load (zstd without zstd-napi or WebAssembly), or a bad
    // VOLBACK_ZSTD_BACKEND, is no fault of the object.
    if (err instanceof VolbackError && (err.code === 'E_UNSUPPORTED' || err.code === 'E_CONFIG')) throw err;
    throw new IntegrityError(`${name}: cannot decompress (${task.compression}): ${(err as Error).message}`, name, { cause: err });
  }
  if (data.length !== task.length) {
    throw new IntegrityError(`${name}: decompressed to ${data.length} bytes, its metadata says ${task.length}`, name);
  }
  // Zero objects are common; their digests are known, so only a memcmp is needed.
  const allZero = isAllZero(data);
  const covered = verifyBlocks(task, data, allZero);
  if (!covered || task.md5Check === 'always') {
    const md5 = allZero ? zeroMd5(data.length) : md5Hex(data);
    if (md5 !== task.md5) throw new IntegrityError(`${name}: MD5 is ${md5}, its metadata says ${task.md5}`, name);
  }
  return { data, allZero, stored: task.stored, into: task.into };
}

/** Checks the blocks against the hash list; true when that covered every byte of the object. */
function verifyBlocks(task: ObjectCheckTask, data: Uint8Array, allZero: boolean): boolean {
  const B = task.blockSize;
  const expected = task.blockHashes;
  if (!B || !expected || task.offset % B !== 0) return false; // the restore plan refuses unaligned objects; MD5 still covers them here.
  let covered = true;
  for (let at = 0, k = 0; at < data.length; at += B, k++) {
    const idx = (task.offset + at) / B;
    const len = Math.min(B, data.length - at);
    if (len !== Math.min(B, task.volumeBytes - idx * B) || (task.blockChecked && task.blockChecked[k] !== 1)) {
      covered = false; // a partial block inside an object, or one this restore does not take: only MD5 covers it
      continue;
    }
    const block = data.subarray(at, at + len);
    const actual = blockSha256Digest(block, allZero || isAllZero(block));
    if (!sameDigest(actual, 0, expected, k)) {
      throw new IntegrityError(
        `${task.name}: block ${idx} has SHA-256 ${hexOf(actual, 0)}, _sha256file says ${hexOf(expected, k)}`,
        task.name,
      );
    }
  }
  return covered;
}
