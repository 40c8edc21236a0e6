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
