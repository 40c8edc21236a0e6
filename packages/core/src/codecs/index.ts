import { bzip2Codec } from './bzip2-codec.js';
import type { Codec } from './codec.js';
import { compressionFamilyOf } from './compression-tag.js';
import { rawCodec } from './raw-codec.js';
import { zlibCodec } from './zlib-codec.js';
import { zstdCodec } from './zstd-codec.js';

export type { Codec, CompressionAlgorithm } from './codec.js';
export { maxStoredLength } from './codec.js';
export { compressionFamilyOf, normalizeCompressionTag } from './compression-tag.js';
export { ZLIB_DEFAULT_LEVEL } from './zlib-codec.js';
export { BZIP2_DEFAULT_LEVEL } from './bzip2-codec.js';
export { ZSTD_DEFAULT_LEVEL } from './zstd-codec.js';
export { ZSTD_MAGIC, parseZstdFrameHeader, zstdFrameContentSize, zstdFrameLength } from './zstd-frame.js';
export type { ZstdFrameHeader } from './zstd-frame.js';

const CODECS: Readonly<Record<Codec['family'], Codec>> = {
  none: rawCodec,
  zlib: zlibCodec,
  bz2: bzip2Codec,
  zstd: zstdCodec,
};

/**
 * The codec for an object's compression tag, as Cinder reads it (case-insensitive):
 * `none`/`off`/`no` raw, `zlib`/`gzip` zlib (RFC 1950), `bz2`/`bzip2` bzip2, `zstd` zstd.
 * Throws `UnsupportedError` (`E_UNSUPPORTED`) naming any other tag.
 */
export function codecFor(tag: string): Codec {
  return CODECS[compressionFamilyOf(tag)];
}
