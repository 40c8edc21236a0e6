import { IntegrityError } from '../errors.js';

/** Magic number that opens every zstd frame (little-endian on the wire: `28 b5 2f fd`). */
export const ZSTD_MAGIC = 0xfd2fb528;

/** What the header of a zstd frame says (RFC 8878 §3.1.1.1). */
export interface ZstdFrameHeader {
  /** Frame_Content_Size, or null when the header does not carry it. */
  readonly contentSize: number | null;
  /** Whether a 4-byte checksum follows the last block. */
  readonly hasChecksum: boolean;
  /** Header length in bytes, magic included: where the first block starts. */
  readonly headerLength: number;
}

function truncated(what: string): IntegrityError {
  return new IntegrityError(`truncated zstd frame: ${what}`);
}

/** Parses the header of the zstd frame at the start of `frame`. Throws if it is not one. */
export function parseZstdFrameHeader(frame: Uint8Array): ZstdFrameHeader {
  if (frame.length < 5) throw truncated('header');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const magic = view.getUint32(0, true);
  if (magic !== ZSTD_MAGIC) {
    throw new IntegrityError(`not a zstd frame: magic 0x${magic.toString(16).padStart(8, '0')}`);
  }
  const descriptor = frame[4] as number;
  if ((descriptor & 0x08) !== 0) throw new IntegrityError('invalid zstd frame: reserved header bit set');
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  const hasChecksum = (descriptor & 0x04) !== 0;
  const dictionaryIdSize = [0, 1, 2, 4][descriptor & 0x03] as number;
  // A single-segment frame has no Window_Descriptor and always carries the content size.
  const fcsSize = fcsFlag === 0 ? (singleSegment ? 1 : 0) : ([0, 2, 4, 8][fcsFlag] as number);
  const fcsOffset = 5 + (singleSegment ? 0 : 1) + dictionaryIdSize;
  const headerLength = fcsOffset + fcsSize;
  if (frame.length < headerLength) throw truncated('header');

  let contentSize: number | null;
  switch (fcsSize) {
    case 0:
      contentSize = null;
      break;
    case 1:
      contentSize = frame[fcsOffset] as number;
      break;
    case 2:
      // The 2-byte form is offset by 256 so that it never overlaps the 1-byte form.
      contentSize = view.getUint16(fcsOffset, true) + 256;
      break;
    case 4:
      contentSize = view.getUint32(fcsOffset, true);
      break;
    default: {
      const size = view.getBigUint64(fcsOffset, true);
      if (size > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new IntegrityError(`zstd frame content size ${size} is too large`);
      }
      contentSize = Number(size);
    }
  }
  return { contentSize, hasChecksum, headerLength };
}

/**
 * The Frame_Content_Size field of the zstd frame at the start of `frame`, or null when the
 * header has none (streaming encoders, `zstd` reading stdin). python-zstd, hence Cinder,
 * rejects frames without it. Throws {@link IntegrityError} if `frame` does not start with a
 * zstd frame header.
 */
export function zstdFrameContentSize(frame: Uint8Array): number | null {
  return parseZstdFrameHeader(frame).contentSize;
}

/**
 * The compressed length of the zstd frame at the start of `data`, found by walking its block
 * headers. `zstdFrameLength(out) === out.length` proves that `out` is exactly one frame.
 */
export function zstdFrameLength(data: Uint8Array): number {
  const { hasChecksum, headerLength } = parseZstdFrameHeader(data);
  let pos = headerLength;
  for (;;) {
    if (pos + 3 > data.length) throw truncated('block header');
    const header = (data[pos] as number) | ((data[pos + 1] as number) << 8) | ((data[pos + 2] as number) << 16);
    pos += 3;
    const lastBlock = (header & 1) === 1;
    const blockType = (header >> 1) & 3;
    const blockSize = header >>> 3;
    if (blockType === 3) throw new IntegrityError('invalid zstd frame: reserved block type');
    // An RLE block stores its one repeated byte; Block_Size is the regenerated size.
    pos += blockType === 1 ? 1 : blockSize;
    if (pos > data.length) throw truncated('block');
    if (lastBlock) break;
  }
  if (hasChecksum) pos += 4;
  if (pos > data.length) throw truncated('checksum');
  return pos;
}
