import { allocateReadBuffer, reuseReadBuffer } from './read-buffer.js';

/**
 * Read buffers of one capacity, handed out and taken back, so a job's memory is the most it
 * ever held at once rather than what it allocated over its life.
 */
export class BufferPool {
  private readonly free: ArrayBuffer[] = [];

  constructor(readonly capacity: number) {}

  /** A view of `length` bytes (at most the capacity) over a free buffer or a new one. */
  take(length: number): Uint8Array {
    if (length > this.capacity) throw new RangeError(`BufferPool: ${length} bytes asked of a pool of ${this.capacity}`);
    const buffer = this.free.pop();
    return buffer ? reuseReadBuffer(buffer, length) : allocateReadBuffer(length, this.capacity);
  }

  /** Takes back a view from `take` (or one of the same buffer, after a round trip to a worker). */
  give(view: Uint8Array): void {
    this.free.push(view.buffer as ArrayBuffer);
  }
}
