import { UnsupportedError } from '../../errors.js';
import { BufferPool } from './buffer-pool.js';
import { webAssembly, type SharedMemory } from './web-assembly.js';

const WASM_PAGE = 64 * 1024;
/** A shared WebAssembly memory holds at most 4 GiB; slots past this size use a BufferPool. */
const MAX_ARENA_BYTES = 2 ** 32 - WASM_PAGE;
/** Below this, slots are plain buffers: a WebAssembly memory costs more to set up than it saves. */
const MIN_ARENA_BYTES = 1 << 20;

/** Buffers a job lends out and takes back: a SharedArena, or a BufferPool when slots are huge or WebAssembly is missing. */
export interface BufferLender {
  readonly capacity: number;
  take(length: number): Uint8Array;
  give(view: Uint8Array): void;
}

/**
 * Equal slots of shared memory, lent to a job's reads, worker tasks and writes, then taken back.
 *
 * Worker threads see the same memory, so a chunk goes to a worker and back as a view: nothing is
 * transferred or copied. Transferring ArrayBuffers instead made V8 count each arrival as new
 * external memory, and the main thread spent about half a second per GiB in full collections.
 * WebAssembly memory also starts on a page boundary, which the kernel's copies need to be fast
 * (see read-buffer.ts). The memory grows a slot at a time, so it holds only what was in use at once.
 */
export class SharedArena implements BufferLender {
  /** The memory itself: WebAssembly code that works on the slots in place imports it. */
  readonly memory: SharedMemory;
  private readonly slotPages: number;
  private readonly reservedPages: number;
  private readonly free: number[] = [];
  private slots = 0;

  /**
   * @param reservedBytes bytes at the start of the memory (from offset 0) that are never lent:
   *   room for a WebAssembly kernel's own state.
   */
  constructor(
    readonly capacity: number,
    readonly maxSlots: number,
    reservedBytes = 0,
  ) {
    this.slotPages = Math.max(1, Math.ceil(capacity / WASM_PAGE));
    this.reservedPages = Math.ceil(reservedBytes / WASM_PAGE);
    const wasm = webAssembly();
    if (!wasm) throw new UnsupportedError('SharedArena: this process has no WebAssembly (node --jitless?)');
    this.memory = new wasm.Memory({ initial: this.reservedPages, maximum: this.reservedPages + this.slotPages * maxSlots, shared: true });
  }

  /**
   * The arena when `maxSlots` slots of `capacity` bytes fit in shared memory, else a BufferPool;
   * a BufferPool too where the process has no WebAssembly.
   */
  static orPool(capacity: number, maxSlots: number, reservedBytes = 0): BufferLender {
    const bytes = Math.ceil(capacity / WASM_PAGE) * WASM_PAGE * maxSlots + Math.ceil(reservedBytes / WASM_PAGE) * WASM_PAGE;
    // Small jobs gain nothing from sharing and would pay most of their time growing the memory.
    if (bytes > MAX_ARENA_BYTES || bytes < MIN_ARENA_BYTES || !webAssembly()) return new BufferPool(capacity);
    try {
      return new SharedArena(capacity, maxSlots, reservedBytes);
    } catch (err) {
      // V8 reserves address space for each WebAssembly memory and frees it only when one is
      // collected: a host running many jobs in one process can run out before a collection.
      // Plain buffers work the same, only slower to hand to workers.
      if (err instanceof RangeError) return new BufferPool(capacity);
      throw err;
    }
  }

  take(length: number): Uint8Array {
    if (length > this.capacity) throw new RangeError(`SharedArena: ${length} bytes asked of slots of ${this.capacity}`);
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.slots === this.maxSlots) throw new RangeError(`SharedArena: all ${this.maxSlots} slots are lent out`);
      this.memory.grow(this.slotPages);
      slot = this.slots++;
    }
    return new Uint8Array(this.memory.buffer, (this.reservedPages + slot * this.slotPages) * WASM_PAGE, length);
  }

  /** Takes back a view from `take`, or any view that starts where one did. */
  give(view: Uint8Array): void {
    this.free.push((view.byteOffset / WASM_PAGE - this.reservedPages) / this.slotPages);
  }
}
