import { UnsupportedError } from '../errors.js';
import type { Codec, CompressionAlgorithm } from './codec.js';

/** The tags Cinder accepts, lower-cased, mapped to the codec family that reads them (§7). */
const FAMILY_BY_TAG: ReadonlyMap<string, Codec['family']> = new Map([
  ['none', 'none'],
  ['off', 'none'],
  ['no', 'none'],
  ['zlib', 'zlib'],
  ['gzip', 'zlib'],
  ['bz2', 'bz2'],
  ['bzip2', 'bz2'],
  ['zstd', 'zstd'],
]);

function unsupported(tag: string): UnsupportedError {
  // Same wording as Cinder's ValueError, so operators recognise it.
  return new UnsupportedError(`unsupported compression algorithm: ${tag}`);
}

/**
 * The codec family that reads and writes objects tagged `tag` (compared case-insensitively,
 * as Cinder does). Throws {@link UnsupportedError} for a tag Cinder would reject.
 */
export function compressionFamilyOf(tag: string): Codec['family'] {
  const family = FAMILY_BY_TAG.get(tag.toLowerCase());
  if (family === undefined) throw unsupported(tag);
  return family;
}

/**
 * The tag to write into `_metadata` for a configured algorithm: lower-cased, with `off` and
 * `no` written as `none` (Cinder writes `none` when no compressor is configured). `gzip` and
 * `bzip2` stay as they are, since Cinder writes the configured name. Throws
 * {@link UnsupportedError} for an unknown algorithm.
 */
export function normalizeCompressionTag(tag: string): CompressionAlgorithm {
  const lower = tag.toLowerCase();
  const family = FAMILY_BY_TAG.get(lower);
  if (family === undefined) throw unsupported(tag);
  if (family === 'none') return 'none';
  return lower as CompressionAlgorithm;
}
