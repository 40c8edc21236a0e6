/** The compression tags Cinder writes and reads (compared case-insensitively). */
export type CompressionAlgorithm = 'none' | 'zlib' | 'gzip' | 'bz2' | 'bzip2' | 'zstd';

/**
 * One compression format of Cinder's chunked objects. An object is compressed whole, in one
 * call, and its stored form must be exactly what Cinder's reader accepts (see cinder-format.md §7).
 */
export interface Codec {
  /** The canonical family: `none`, `zlib`, `bz2` or `zstd`. */
  readonly family: 'none' | 'zlib' | 'bz2' | 'zstd';
  /** Compresses one whole object. `level` is codec-specific; undefined means Cinder's default. */
  compress(data: Uint8Array, level?: number): Promise<Uint8Array>;
  /**
   * Decompresses one whole object whose declared length is `maxLength`. Stops with an
   * IntegrityError as soon as the output would pass `maxLength`, so the output never takes more
   * than that, however far the data would inflate (a decompression bomb).
   */
  decompress(data: Uint8Array, maxLength: number): Promise<Uint8Array>;
  /**
   * Compresses one whole object into `out` and returns the compressed length, or null when the
   * result would not fit in `out` (the engine then stores the object raw). Lets the engine reuse
   * its buffers; codecs without it are served by `compress` and a copy.
   */
  compressInto?(data: Uint8Array, out: Uint8Array, level?: number): Promise<number | null>;
  /**
   * Decompresses one whole object into `out` and returns the number of bytes written. Throws an
   * IntegrityError as soon as the data holds more than `out` can take; writes nowhere else.
   */
  decompressInto(data: Uint8Array, out: Uint8Array): Promise<number>;
}

/**
 * `decompress` for a codec that decodes into a buffer: into a new one of `maxLength` bytes, the
 * only output memory the call takes.
 */
export async function decompressToNew(codec: Codec, data: Uint8Array, maxLength: number): Promise<Uint8Array> {
  if (!Number.isSafeInteger(maxLength) || maxLength < 0) throw new RangeError(`invalid object length ${maxLength}`);
  const out = new Uint8Array(maxLength);
  return out.subarray(0, await codec.decompressInto(data, out));
}

/**
 * The most bytes a stored object of `length` bytes may take, whatever its codec. One stream of
 * incompressible data grows by well under 1% in zlib, bzip2 and zstd (plus headers), and Cinder
 * and volback store an object raw when compression does not shrink it; anything longer is not an
 * encoding of the object, and is refused before it is decoded (or, by the reader, fetched).
 */
export function maxStoredLength(length: number): number {
  return length + Math.ceil(length / 64) + 64 * 1024;
}

/**
 * `codec.compress`, then a copy into `out`: how the engine's buffer is filled by a codec without
 * `compressInto`, or whose own way into a buffer is missing here. Null when it does not fit.
 */
export async function compressByCopy(codec: Codec, data: Uint8Array, out: Uint8Array, level: number | undefined): Promise<number | null> {
  const compressed = await codec.compress(data, level);
  if (compressed.length > out.length) return null;
  out.set(compressed);
  return compressed.length;
}
