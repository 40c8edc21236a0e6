import type { Compressor } from 'zstd-napi';
import type { CCtx, DCtx } from 'zstd-napi/binding.js';
import { ConfigError, IntegrityError, UnsupportedError } from '../errors.js';
import { decompressToNew, type Codec } from './codec.js';
import { decodeError, messageOf, tooLongError } from './decode-error.js';
import { parseZstdFrameHeader, zstdFrameLength } from './zstd-frame.js';

/** python-zstd's default level, which Cinder uses. */
export const ZSTD_DEFAULT_LEVEL = 3;
const ZSTD_MAX_LEVEL = 22;
const ZSTD_MIN_LEVEL = -131072;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

interface ZstdContexts {
  readonly compressor: Compressor;
  /** The library's low-level contexts, which (de)compress into buffers the engine owns. */
  readonly cctx: CCtx;
  readonly dctx: DCtx;
  readonly levelParam: number;
}

let contexts: Promise<ZstdContexts> | undefined;

/**
 * Loads the native binding on first use, so a host that never meets zstd is not hurt by a
 * missing build. The calls are synchronous, so one pair of contexts serves every caller.
 */
function zstdContexts(): Promise<ZstdContexts> {
  contexts ??= Promise.all([import('zstd-napi'), import('zstd-napi/binding.js')]).then(
    ([zstd, bindingModule]) => {
      // binding.js is CommonJS that picks its .node file at run time, so ESM sees only `default`.
      const binding = (bindingModule as { default?: typeof bindingModule }).default ?? bindingModule;
      const cctx = new binding.CCtx();
      cctx.setParameter(binding.CParameter.contentSizeFlag, 1);
      cctx.setParameter(binding.CParameter.checksumFlag, 0);
      return {
        compressor: new zstd.Compressor(),
        cctx,
        dctx: new binding.DCtx(),
        levelParam: binding.CParameter.compressionLevel,
      };
    },
    (err: unknown) => {
      throw new UnsupportedError(
        'zstd compression needs the native module zstd-napi, which failed to load: it must be ' +
          'built at install time (with pnpm, list "zstd-napi" in pnpm.onlyBuiltDependencies of the ' +
          `root package.json and reinstall; a C++ toolchain is needed). Cause: ${messageOf(err)}`,
        { cause: err },
      );
    },
  );
  return contexts;
}

/**
 * Loads the binding ahead of use, for threads that will likely need it: a worker's first zstd
 * task otherwise paid ~50 ms for it in the middle of a job. A failure is kept for that first
 * use to report.
 */
export function preloadZstd(): void {
  zstdContexts().catch(() => undefined);
}

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
 * Tag `zstd`. Writes exactly one frame with Frame_Content_Size in its header and no checksum,
 * the only form python-zstd (Cinder) reads. Reads any sequence of complete frames, also
 * those without a content size (written by streaming tools), into a buffer of the object's
 * declared length. zstd-napi works synchronously on the calling thread.
 */
export const zstdCodec: Codec = {
  family: 'zstd',
  async compress(data: Uint8Array, level: number = ZSTD_DEFAULT_LEVEL): Promise<Uint8Array> {
    checkLevel(level);
    const { compressor } = await zstdContexts();
    // One-shot ZSTD_compress2 knows the source size, so the header gets the content size.
    compressor.setParameters({ compressionLevel: level, contentSizeFlag: true, checksumFlag: false });
    const frame = compressor.compress(data);
    // Cinder cannot read a frame without the size: never store one, whatever the library does.
    if (parseZstdFrameHeader(frame).contentSize !== data.length) {
      throw new Error('zstd-napi produced a frame without the content size in its header');
    }
    return frame;
  },
  async compressInto(data: Uint8Array, out: Uint8Array, level: number = ZSTD_DEFAULT_LEVEL): Promise<number | null> {
    checkLevel(level);
    const { cctx, levelParam } = await zstdContexts();
    cctx.setParameter(levelParam, level);
    let length: number;
    try {
      // ZSTD_compress2 knows the source size, so the header gets the content size.
      length = cctx.compress2(out, data);
    } catch (err) {
      if (/too small/i.test(messageOf(err))) return null;
      throw err;
    }
    if (parseZstdFrameHeader(out.subarray(0, length)).contentSize !== data.length) {
      throw new Error('zstd-napi produced a frame without the content size in its header');
    }
    return length;
  },
  decompress(data: Uint8Array, maxLength: number): Promise<Uint8Array> {
    // Not the library's Decompressor: it sizes its output from the frame header, which may lie.
    return decompressToNew(zstdCodec, data, maxLength);
  },
  async decompressInto(data: Uint8Array, out: Uint8Array): Promise<number> {
    const { dctx } = await zstdContexts();
    try {
      checkCompleteFrames(data);
      // Decodes every frame, with or without a content size, and fails as soon as `out` is full.
      return dctx.decompress(out, data);
    } catch (err) {
      if (/too small/i.test(messageOf(err))) throw tooLongError('zstd', out.length);
      throw decodeError('zstd', messageOf(err), err);
    }
  },
};

function checkLevel(level: number): void {
  if (!Number.isInteger(level) || level < ZSTD_MIN_LEVEL || level > ZSTD_MAX_LEVEL) {
    throw new ConfigError(`zstd level must be an integer up to ${ZSTD_MAX_LEVEL}, got ${level}`, 'level');
  }
}
