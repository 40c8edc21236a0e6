import { ConfigError, UnsupportedError } from '../errors.js';
import { messageOf } from './decode-error.js';
import { loadNativeZstd } from './zstd-native.js';
import { loadWasmZstd } from './zstd-wasm.js';

/**
 * One implementation of libzstd that the zstd codec drives. Every call is synchronous, so one
 * pair of contexts serves all callers of a thread. Failures throw plain errors whose messages
 * follow libzstd's names (`Destination buffer is too small`), which the codec maps to its own.
 */
export interface ZstdBackend {
  /** The npm package that does the work, for messages and tests. */
  readonly name: 'zstd-napi' | '@bokuweb/zstd-wasm';
  /** One frame of `data` (ZSTD_compress2 or ZSTD_compress: the source size goes in the header). */
  compress(data: Uint8Array, level: number): Uint8Array;
  /** Like `compress`, into `out`; null when the frame would not fit. */
  compressInto(data: Uint8Array, out: Uint8Array, level: number): number | null;
  /** Decodes every frame of `data` into `out`; throws as soon as `out` is full. */
  decompressInto(data: Uint8Array, out: Uint8Array): number;
}

/** Which backends the codec may use: `auto` is zstd-napi, else the WebAssembly build. */
export type ZstdBackendChoice = 'auto' | 'native' | 'wasm';

/**
 * Set to `wasm` to act as if zstd-napi were missing, or `native` to refuse the fallback. For
 * tests and for comparing the two on one host; unset (`auto`) in normal use.
 */
export const ZSTD_BACKEND_ENV = 'VOLBACK_ZSTD_BACKEND';

let loaded: Partial<Record<ZstdBackendChoice, Promise<ZstdBackend>>> = {};

/** The backend choice `VOLBACK_ZSTD_BACKEND` makes; a value it does not know is refused. */
export function choiceFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): ZstdBackendChoice {
  const raw = env[ZSTD_BACKEND_ENV]?.trim().toLowerCase() || 'auto';
  if (raw === 'auto' || raw === 'native' || raw === 'wasm') return raw;
  throw new ConfigError(`${ZSTD_BACKEND_ENV} must be auto, native or wasm; got ${JSON.stringify(raw)}`, ZSTD_BACKEND_ENV);
}

/**
 * Loads a backend on first use, so a host that never meets zstd is not hurt by a missing one:
 * zstd-napi when it was built, else libzstd's WebAssembly build (slower, see docs/performance.md),
 * else an UnsupportedError that says what to allow or install.
 */
export function zstdBackend(choice: ZstdBackendChoice): Promise<ZstdBackend> {
  const cached = loaded[choice];
  if (cached) return cached;
  const loading = (async () => {
    let nativeError: unknown = new Error(`skipped (${ZSTD_BACKEND_ENV}=wasm)`);
    if (choice !== 'wasm') {
      try {
        return await loadNativeZstd();
      } catch (err) {
        nativeError = err;
      }
    }
    let wasmError: unknown = new Error(`skipped (${ZSTD_BACKEND_ENV}=native)`);
    if (choice !== 'native') {
      try {
        return await loadWasmZstd();
      } catch (err) {
        wasmError = err;
      }
    }
    throw new UnsupportedError(
      'zstd compression needs the native module zstd-napi or WebAssembly, and neither loaded. ' +
        'Allow zstd-napi to build at install (pnpm: list "zstd-napi" in pnpm.onlyBuiltDependencies of ' +
        'the root package.json; npm: install without --ignore-scripts; a C++ toolchain is needed), ' +
        'or run Node.js with WebAssembly (not --jitless), or back up with compression "zlib". ' +
        `zstd-napi: ${messageOf(nativeError)}; @bokuweb/zstd-wasm: ${messageOf(wasmError)}`,
      { cause: nativeError },
    );
  })();
  loaded[choice] = loading;
  return loading;
}

/** Forgets loaded backends, so that a test can load them again under another environment. */
export function resetZstdBackendsForTests(): void {
  loaded = {};
}

/** The name of the backend `choice` resolves to on this host; throws as the codec would. */
export async function zstdBackendName(choice: ZstdBackendChoice = choiceFromEnv()): Promise<ZstdBackend['name']> {
  return (await zstdBackend(choice)).name;
}

/**
 * Loads the backend ahead of use, for threads that will likely need it: a worker's first zstd
 * task otherwise paid ~50 ms for it in the middle of a job. A failure is kept for that first
 * use to report.
 */
export function preloadZstd(): void {
  try {
    zstdBackend(choiceFromEnv()).catch(() => undefined);
  } catch {
    // A bad VOLBACK_ZSTD_BACKEND is reported by the first use, which can name the object.
  }
}
