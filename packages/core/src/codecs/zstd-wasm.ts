import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { webAssembly } from '../engine/memory/web-assembly.js';
import type { ZstdBackend } from './zstd-backend.js';

/** The exports of @bokuweb/zstd-wasm's Emscripten module that this backend calls. */
interface ZstdWasmModule {
  readonly HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _ZSTD_isError(code: number): number;
  _ZSTD_compressBound(size: number): number;
  _ZSTD_createCCtx(): number;
  _ZSTD_createDCtx(): number;
  _ZSTD_compress_usingDict(
    cctx: number,
    dst: number,
    cap: number,
    src: number,
    size: number,
    dict: number,
    dictSize: number,
    level: number,
  ): number;
  _ZSTD_decompress_usingDict(dctx: number, dst: number, cap: number, src: number, size: number, dict: number, dictSize: number): number;
}

// libzstd's names (zstd_errors.h) for the codes a one-shot call returns, so that messages read
// as zstd-napi's do; this build exports no ZSTD_getErrorName.
const ERROR_NAMES: Readonly<Record<number, string>> = {
  10: 'Unknown frame descriptor',
  12: 'Version not supported',
  14: 'Unsupported frame parameter',
  16: 'Frame requires too much memory for decoding',
  20: 'Data corruption detected',
  22: 'Restored data doesn\u2019t match checksum',
  32: 'Dictionary mismatch',
  41: 'Parameter is out of bound',
  64: 'Allocation error : not enough memory',
  70: 'Destination buffer is too small',
  72: 'Src size is incorrect',
};

/**
 * @bokuweb/zstd-wasm: libzstd compiled to WebAssembly, no install script, no compiler. Its own
 * API makes a context per call and sizes decompression from the frame header, which a bad object
 * can lie about; so its Emscripten module is driven directly, with one reused pair of contexts
 * and `out`'s length as the only bound. The version is pinned: module.js is not a public export.
 */
export async function loadWasmZstd(): Promise<ZstdBackend> {
  // Checked first: without WebAssembly (node --jitless) the package would fail in Emscripten's
  // loader, with a message that names neither the cause nor the fix.
  if (!webAssembly()) throw new Error('this Node.js has no WebAssembly (run without --jitless)');
  instance ??= instantiate();
  return instance;
}

// Once a thread: a second init() swaps the module's memory under functions bound to the first.
let instance: Promise<ZstdBackend> | undefined;

async function instantiate(): Promise<ZstdBackend> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@bokuweb/zstd-wasm');
  const pkg = require(entry) as { init(): Promise<void> };
  await pkg.init();
  const { Module: m } = require(join(dirname(entry), 'module.js')) as { Module: ZstdWasmModule };
  const cctx = m._ZSTD_createCCtx();
  const dctx = m._ZSTD_createDCtx();
  if (cctx === 0 || dctx === 0) throw new Error('zstd-wasm: cannot create contexts');

  const check = (result: number): number => {
    // size_t is 32 bits here: an error code -n comes back as a negative number.
    if (m._ZSTD_isError(result)) {
      const code = -(result | 0);
      throw new Error(ERROR_NAMES[code] ?? `zstd error ${code}`);
    }
    return result >>> 0;
  };

  /** Runs `fn` with `data` copied into the wasm heap and `capacity` bytes for its output. */
  const withHeap = <T>(data: Uint8Array, capacity: number, fn: (src: number, dst: number) => T): T => {
    // malloc(0) may return 0; one spare byte keeps every pointer real.
    const src = m._malloc(data.length + 1);
    const dst = m._malloc(capacity + 1);
    try {
      if (src === 0 || dst === 0) throw new Error(ERROR_NAMES[64]);
      // HEAPU8 is replaced whenever the heap grows, so it is read after every allocation.
      m.HEAPU8.set(data, src);
      return fn(src, dst);
    } finally {
      if (src !== 0) m._free(src);
      if (dst !== 0) m._free(dst);
    }
  };

  const compressTo = (data: Uint8Array, capacity: number, level: number, copy: (frame: Uint8Array) => void): number =>
    withHeap(data, capacity, (src, dst) => {
      const n = check(m._ZSTD_compress_usingDict(cctx, dst, capacity, src, data.length, 0, 0, level));
      copy(m.HEAPU8.subarray(dst, dst + n));
      return n;
    });

  return {
    name: '@bokuweb/zstd-wasm',
    compress(data, level) {
      let frame = new Uint8Array(0);
      compressTo(data, m._ZSTD_compressBound(data.length), level, (f) => {
        frame = f.slice();
      });
      return frame;
    },
    compressInto(data, out, level) {
      try {
        return compressTo(data, out.length, level, (f) => out.set(f));
      } catch (err) {
        if ((err as Error).message === ERROR_NAMES[70]) return null;
        throw err;
      }
    },
    decompressInto(data, out) {
      return withHeap(data, out.length, (src, dst) => {
        const n = check(m._ZSTD_decompress_usingDict(dctx, dst, out.length, src, data.length, 0, 0));
        out.set(m.HEAPU8.subarray(dst, dst + n));
        return n;
      });
    },
  };
}
