export { compileMd5Kernels, Md5Lanes, MD5_LANES_SCRATCH_BYTES, type MemoryRange, type SharedWasmMemory } from './md5-lanes.js';
