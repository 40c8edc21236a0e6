export { Md5Lanes, MD5_LANES_SCRATCH_ALIGN, MD5_LANES_SCRATCH_BYTES, type MemoryRange, type SharedWasmMemory } from './md5-lanes.js';
export { md5KernelModule, MD5_K } from './md5-kernel.js';
