import { deflate, inflate, type InputType, type ZlibOptions } from 'node:zlib';
import { promisify } from 'node:util';
import { ConfigError, IntegrityError } from '../errors.js';
import { compressByCopy, decompressToNew, type Codec } from './codec.js';
import { decodeError, messageOf, tooLongError } from './decode-error.js';
import { deflateInto, inflateInto } from './zlib-into.js';

// The callback forms run on the libuv threadpool, so several objects (de)compress in parallel.
const deflateAsync = promisify<InputType, ZlibOptions, Buffer>(deflate);
const inflateAsync = promisify<InputType, ZlibOptions, Buffer>(inflate);

/** Python's `zlib.compress` default, which Cinder uses. */
export const ZLIB_DEFAULT_LEVEL = 6;

/**
 * Tags `zlib` and `gzip`: one RFC 1950 zlib stream (`78 9c …`), never the gzip container.
 *
 * Decompression matches Python's `zlib.decompress`: bytes after the end of the first stream
 * are ignored (so a second concatenated stream is silently dropped, as in Cinder), while a
 * truncated stream or a gzip header is an error. Node's default `finishFlush` already behaves
 * so; `Z_SYNC_FLUSH` would instead accept truncated streams, which would hide corruption.
 */
export const zlibCodec: Codec = {
  family: 'zlib',
  async compress(data: Uint8Array, level: number = ZLIB_DEFAULT_LEVEL): Promise<Uint8Array> {
    checkLevel(level);
    return deflateAsync(data, { level });
  },
  /** Deflates on the calling thread (a worker's, in a backup), straight into `out`. */
  async compressInto(data: Uint8Array, out: Uint8Array, level: number = ZLIB_DEFAULT_LEVEL): Promise<number | null> {
    checkLevel(level);
    const written = deflateInto(data, out, level);
    if (written === null) return compressByCopy(zlibCodec, data, out, level);
    return written === false ? null : written;
  },
  decompress(data: Uint8Array, maxLength: number): Promise<Uint8Array> {
    return decompressToNew(zlibCodec, data, maxLength);
  },
  /** Inflates on the calling thread (a worker's, in a restore), straight into `out`. */
  async decompressInto(data: Uint8Array, out: Uint8Array): Promise<number> {
    let written: number | null;
    try {
      written = inflateInto(data, out);
    } catch (err) {
      throw zlibDecodeError(data, err);
    }
    if (written !== null) return written;
    let whole: Buffer;
    try {
      // node:zlib's own function stops once its output passes maxOutputLength.
      whole = await inflateAsync(data, { maxOutputLength: Math.max(1, out.length) });
    } catch (err) {
      throw (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' ? tooLongError('zlib', out.length) : zlibDecodeError(data, err);
    }
    if (whole.length > out.length) throw tooLongError('zlib', out.length);
    out.set(whole);
    return whole.length;
  },
};

/** Python's zlib takes -1 (its default) to 9; node:zlib would throw a bare RangeError. */
function checkLevel(level: number): void {
  if (!Number.isInteger(level) || level < -1 || level > 9) {
    throw new ConfigError(`zlib level must be an integer from -1 to 9, got ${level}`, 'level');
  }
}

function zlibDecodeError(data: Uint8Array, err: unknown): Error {
  if (err instanceof IntegrityError) return err;
  const hint =
    data[0] === 0x1f && data[1] === 0x8b
      ? " (this is gzip format, RFC 1952; Cinder's zlib and gzip tags both mean a zlib stream, RFC 1950)"
      : '';
  return decodeError('zlib', `${messageOf(err)}${hint}`, err);
}
