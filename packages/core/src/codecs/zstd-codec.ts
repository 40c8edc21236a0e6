import { ConfigError, IntegrityError } from '../errors.js';
import { decompressToNew, type Codec } from './codec.js';
import { decodeError, messageOf, tooLongError } from './decode-error.js';
import { choiceFromEnv, type ZstdBackend, type ZstdBackendChoice, zstdBackend } from './zstd-backend.js';
import { parseZstdFrameHeader, zstdFrameLength } from './zstd-frame.js';

/** python-zstd's default level, which Cinder uses. */
export const ZSTD_DEFAULT_LEVEL = 3;
const ZSTD_MAX_LEVEL = 22;
const ZSTD_MIN_LEVEL = -131072;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

/**
 * Checks that `data` is a sequence of complete zstd (or skippable) frames. The native
 * streaming decoder returns partial output for a truncated frame without complaint, so
 * truncation is caught here first.
 */
function checkCompleteFrames(data: Uint8Array): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  do {
    const rest = data.subarray(pos);
    if (rest.length >= 8 && (view.getUint32(pos, true) & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      pos += 8 + view.getUint32(pos + 4, true);
      if (pos > data.length) throw new IntegrityError('truncated zstd skippable frame');
    } else {
      pos += zstdFrameLength(rest);
    }
  } while (pos < data.length);
}

/**
 * Checks that `frame`, just written for `data`, is what Cinder reads: exactly one frame with
 * the content size in its header. Neither library is trusted with that, whatever it promises.
 */
function checkWritten(frame: Uint8Array, data: Uint8Array, backend: ZstdBackend): void {
  if (parseZstdFrameHeader(frame).contentSize !== data.length || zstdFrameLength(frame) !== frame.length) {
    throw new Error(`${backend.name} produced a frame other than one with the content size in its header`);
  }
}

/**
 * Tag `zstd`, on the backend `choice` picks. Writes exactly one frame with Frame_Content_Size in
 * its header and no checksum, the only form python-zstd (Cinder) reads. Reads any sequence of
 * complete frames, also those without a content size (written by streaming tools), into a
 * buffer of the object's declared length. Both backends work synchronously on the calling thread.
 */
export function zstdCodecOn(choice?: ZstdBackendChoice): Codec {
  const backend = (): Promise<ZstdBackend> => zstdBackend(choice ?? choiceFromEnv());
  const codec: Codec = {
    family: 'zstd',
    async compress(data: Uint8Array, level: number = ZSTD_DEFAULT_LEVEL): Promise<Uint8Array> {
      checkLevel(level);
      const zstd = await backend();
      const frame = zstd.compress(data, level);
      checkWritten(frame, data, zstd);
      return frame;
    },
    async compressInto(data: Uint8Array, out: Uint8Array, level: number = ZSTD_DEFAULT_LEVEL): Promise<number | null> {
      checkLevel(level);
      const zstd = await backend();
      const length = zstd.compressInto(data, out, level);
      if (length !== null) checkWritten(out.subarray(0, length), data, zstd);
      return length;
    },
    decompress(data: Uint8Array, maxLength: number): Promise<Uint8Array> {
      // Not a library's own one-shot decoder: they size the output from the header, which may lie.
      return decompressToNew(codec, data, maxLength);
    },
    async decompressInto(data: Uint8Array, out: Uint8Array): Promise<number> {
      const zstd = await backend();
      try {
        checkCompleteFrames(data);
        // Decodes every frame, with or without a content size, and fails as soon as `out` is full.
        return zstd.decompressInto(data, out);
      } catch (err) {
        if (/too small/i.test(messageOf(err))) throw tooLongError('zstd', out.length);
        throw decodeError('zstd', messageOf(err), err);
      }
    },
  };
  return codec;
}

/** Tag `zstd` as hosts get it: zstd-napi when it loads, else the WebAssembly build. */
export const zstdCodec: Codec = zstdCodecOn();

function checkLevel(level: number): void {
  if (!Number.isInteger(level) || level < ZSTD_MIN_LEVEL || level > ZSTD_MAX_LEVEL) {
    throw new ConfigError(`zstd level must be an integer up to ${ZSTD_MAX_LEVEL}, got ${level}`, 'level');
  }
}

export { preloadZstd } from './zstd-backend.js';
