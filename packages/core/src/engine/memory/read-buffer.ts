/**
 * Buffers that file reads land in, placed on a page boundary.
 *
 * The kernel copies page-cache data to user memory with `rep movsb`, which on some x86 CPUs
 * (AMD Zen measured here) runs about 4x slower when the destination sits 1 to 31 bytes past a
 * page boundary: 4K aliasing against the page-aligned source. glibc hands out large blocks
 * (mmapped) exactly 16 bytes past a page, so every `new ArrayBuffer(8 MiB)` lands in the slow
 * case. Reading 1 GiB from the page cache took 650 ms into such a buffer and 150 ms into an
 * aligned one. JavaScript cannot see addresses, so the view starts 16 bytes before the next
 * page of the allocation: aligned under glibc, merely unaligned (as before) elsewhere.
 */
const PAGE = 4096;
const MALLOC_HEADER = 16;
/** Offset of the data within its ArrayBuffer. */
export const READ_BUFFER_OFFSET = PAGE - MALLOC_HEADER;

/** Buffers made here: the view is the only user of its ArrayBuffer, which may move whole to another thread. */
const made = new WeakSet<ArrayBuffer>();

/** A view of `length` bytes, alone in an ArrayBuffer that has room for `capacity` (default `length`). */
export function allocateReadBuffer(length: number, capacity = length): Uint8Array {
  const buffer = new ArrayBuffer(READ_BUFFER_OFFSET + capacity);
  made.add(buffer);
  return new Uint8Array(buffer, READ_BUFFER_OFFSET, length);
}

/** True when `view` came from `allocateReadBuffer` on this thread, so its whole buffer is its own. */
export function isReadBuffer(view: Uint8Array): boolean {
  return made.has(view.buffer as ArrayBuffer);
}

/** A view of `length` bytes over a buffer made by `allocateReadBuffer`, reused. */
export function reuseReadBuffer(buffer: ArrayBuffer, length: number): Uint8Array {
  return new Uint8Array(buffer, READ_BUFFER_OFFSET, length);
}
