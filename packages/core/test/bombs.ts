import { constants, deflateRawSync } from 'node:zlib';

/**
 * Decompression bombs: small stored objects that inflate far past any sane object length.
 * Built from pieces that repeat, so no test pays for compressing a gibibyte.
 */

const MiB = 1024 * 1024;

/** `head -c 1G /dev/zero | bzip2 -9`: 785 bytes, one stream of 1 GiB of zeros. */
export const BZIP2_GIB_OF_ZEROS: Uint8Array = new Uint8Array(
  Buffer.from(
    'QlpoOTFBWSZTWQ4J4t8BX45AAMAAAAggADCATUZCoCWpCoCXMUFZJlNZDgni3wFfjkAAwAAACCAAMIBNRkKgJakKgJcxQVkmU1kOCeLfAV+OQADAAAAIIAAwgE1GQqAlqQqAlzFBWSZTWQ4J4t8BX45AAMAAAAggADCATUZCoCWpCoCXMUFZJlNZDgni3wFfjkAAwAAACCAAMIBNRkKgJakKgJcxQVkmU1kOCeLfAV+OQADAAAAIIAAwgE1GQqAlqQqAlzFBWSZTWQ4J4t8BX45AAMAAAAggADCATUZCoCWpCoCXMUFZJlNZDgni3wFfjkAAwAAACCAAMIBNRkKgJakKgJcxQVkmU1kOCeLfAV+OQADAAAAIIAAwgE1GQqAlqQqAlzFBWSZTWQ4J4t8BX45AAMAAAAggADCATUZCoCWpCoCXMUFZJlNZDgni3wFfjkAAwAAACCAAMIBNRkKgJakKgJcxQVkmU1kOCeLfAV+OQADAAAAIIAAwgE1GQqAlqQqAlzFBWSZTWQ4J4t8BX45AAMAAAAggADCATUZCoCWpCoCXMUFZJlNZDgni3wFfjkAAwAAACCAAMIBNRkKgJakKgJcxQVkmU1kOCeLfAV+OQADAAAAIIAAwgE1GQqAlqQqAlzFBWSZTWQ4J4t8BX45AAMAAAAggADCATUZCoCWpCoCXMUFZJlNZDgni3wFfjkAAwAAACCAAMIBNRkKgJakKgJcxQVkmU1kOCeLfAV+OQADAAAAIIAAwgE1GQqAlqQqAlzFBWSZTWQ4J4t8BX45AAMAAAAggADCATUZCoCWpCoCXMUFZJlNZDgni3wFfjkAAwAAACCAAMIBNRkKgJakKgJcxQVkmU1kOCeLfAV+OQADAAAAIIAAwgE1GQqAlqQqAlzFBWSZTWQ4J4t8BX45AAMAAAAggADCATUZCoCWpCoCXMUFZJlNZDgni3wFfjkAAwAAACCAAMIBNRkKgJakKgJcxQVkmU1lIfF/JAIpSyADAAAAEAAggADDMBSmmkSJDYUSJDxdyRThQkPaI5AI=',
    'base64',
  ),
);

/**
 * One valid zlib stream (RFC 1950) of `mebibytes` MiB of zeros. A full flush ends the deflate
 * blocks on a byte boundary with nothing referring back past it, so the blocks coding one MiB
 * can be repeated; an empty final block and the Adler-32 of the zeros close the stream.
 */
export function zlibZeros(mebibytes: number): Uint8Array {
  const piece = deflateRawSync(new Uint8Array(MiB), { finishFlush: constants.Z_FULL_FLUSH });
  const total = mebibytes * MiB;
  // Adler-32 of n zero bytes: A stays 1, B adds A once per byte.
  const adler = (((total % 65521) << 16) | 1) >>> 0;
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(adler);
  // 78 9c: deflate, default level; 03 00: a final fixed-Huffman block holding only its end.
  return new Uint8Array(Buffer.concat([Buffer.of(0x78, 0x9c), ...Array<Buffer>(mebibytes).fill(piece), Buffer.of(0x03, 0x00), trailer]));
}

const ZSTD_BLOCK = 128 * 1024;

/**
 * One zstd frame of `blocks` RLE blocks of 128 KiB of zeros each, whose header says
 * `contentSize` (true or not), or no content size at all when null.
 */
export function zstdZeroFrame(blocks: number, contentSize: number | null): Uint8Array {
  const header =
    contentSize === null
      ? // No content size, not single-segment: a window descriptor (2^20 bytes) instead.
        Buffer.of(0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x50)
      : (() => {
          // Single segment with an 8-byte Frame_Content_Size.
          const h = Buffer.alloc(13);
          h.writeUInt32LE(0xfd2fb528, 0);
          h[4] = 0xe0;
          h.writeBigUInt64LE(BigInt(contentSize), 5);
          return h;
        })();
  const body = Buffer.alloc(blocks * 4);
  for (let i = 0; i < blocks; i++) {
    // Block header: last-block bit, type 1 (RLE), size; then the one byte to repeat.
    body.writeUIntLE(((ZSTD_BLOCK << 3) | (1 << 1) | (i === blocks - 1 ? 1 : 0)) >>> 0, i * 4, 3);
  }
  return new Uint8Array(Buffer.concat([header, body]));
}
