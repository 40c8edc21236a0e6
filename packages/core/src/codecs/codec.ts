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
  /** Decompresses one whole object. `expectedLength` is a hint for buffer sizing only. */
  decompress(data: Uint8Array, expectedLength?: number): Promise<Uint8Array>;
  /**
   * Compresses one whole object into `out` and returns the compressed length, or null when the
   * result would not fit in `out` (the engine then stores the object raw). Lets the engine reuse
   * its buffers; codecs without it are served by `compress` and a copy.
   */
  compressInto?(data: Uint8Array, out: Uint8Array, level?: number): Promise<number | null>;
  /**
   * Decompresses one whole object into `out` and returns the number of bytes written. Throws
   * when the data holds more than `out` can take. Optional, as `compressInto`.
   */
  decompressInto?(data: Uint8Array, out: Uint8Array): Promise<number>;
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
