/**
 * The parts of WebAssembly the engine uses (the compiler's libraries here do not declare them).
 *
 * WebAssembly only speeds the engine up; it is never required. `node --jitless` and some
 * sandboxes run without it, so it is looked up when needed, never at import, and everything
 * that uses it has a plain fallback: buffers for the shared arena, node:crypto for the MD5 lanes.
 */

/** A `WebAssembly.Memory` created with `shared: true`. */
export interface SharedMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}

export interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => SharedMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** This process's WebAssembly, or null where it has none. */
export function webAssembly(): WebAssemblyApi | null {
  const api = (globalThis as { WebAssembly?: Partial<WebAssemblyApi> }).WebAssembly;
  const usable = typeof api?.Memory === 'function' && typeof api.Module === 'function' && typeof api.Instance === 'function';
  return usable ? (api as WebAssemblyApi) : null;
}
