import { describe, expect, it } from 'vitest';
import { BufferPool } from '../src/engine/memory/buffer-pool.js';
import { allocateReadBuffer, isReadBuffer, READ_BUFFER_OFFSET } from '../src/engine/memory/read-buffer.js';
import { SharedArena } from '../src/engine/memory/shared-arena.js';
import { ownedBuffers, transferableBuffers } from '../src/engine/workers/transferable.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const WASM_PAGE = 64 * KiB;

describe('SharedArena', () => {
  it('lends page-aligned views of shared memory, one slot each, and reuses what comes back', () => {
    const arena = new SharedArena(100 * KiB, 3);
    const a = arena.take(100 * KiB);
    const b = arena.take(10);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(a.byteOffset % WASM_PAGE).toBe(0);
    expect(b.byteOffset % WASM_PAGE).toBe(0);
    expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + 100 * KiB);
    expect(b.length).toBe(10);
    a.fill(7);
    expect(b.every((x) => x === 0)).toBe(true);
    arena.give(a);
    const c = arena.take(5);
    expect(c.byteOffset).toBe(a.byteOffset);
    // Views taken before the memory grew stay usable.
    const d = arena.take(1);
    d[0] = 9;
    expect(a[0]).toBe(7);
    expect(new Uint8Array(d.buffer, d.byteOffset, 1)[0]).toBe(9);
  });

  it('refuses more than its slots, and more than a slot holds', () => {
    const arena = new SharedArena(64 * KiB, 2);
    arena.take(1);
    arena.take(1);
    expect(() => arena.take(1)).toThrow(RangeError);
    expect(() => new SharedArena(64 * KiB, 1).take(64 * KiB + 1)).toThrow(RangeError);
  });

  it('falls back to a pool of ArrayBuffers when the slots would pass 4 GiB of shared memory', () => {
    expect(SharedArena.orPool(8 * MiB, 6)).toBeInstanceOf(SharedArena);
    expect(SharedArena.orPool(1024 * MiB, 6)).toBeInstanceOf(BufferPool);
  });
});

describe('read buffers', () => {
  it('start 16 bytes before a page of their allocation (a page boundary under glibc), alone in it', () => {
    const view = allocateReadBuffer(10, 100);
    expect(view.byteOffset).toBe(READ_BUFFER_OFFSET);
    expect(view.buffer.byteLength).toBe(READ_BUFFER_OFFSET + 100);
    expect(isReadBuffer(view)).toBe(true);
    expect(isReadBuffer(new Uint8Array(10))).toBe(false);
  });

  it('are pooled by capacity, and reused', () => {
    const pool = new BufferPool(1000);
    const a = pool.take(1000);
    pool.give(a);
    const b = pool.take(10);
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(10);
    expect(() => pool.take(1001)).toThrow(RangeError);
  });
});

describe('what moves to a worker', () => {
  it('nothing for shared memory, the whole buffer for a read buffer, a copy for part of a buffer', () => {
    const shared = { data: new SharedArena(64 * KiB, 1).take(10) as Uint8Array | null };
    expect(transferableBuffers(shared, 'data')).toEqual([]);

    const read = { data: allocateReadBuffer(10) };
    const readView = read.data;
    expect(transferableBuffers(read, 'data')).toEqual([readView.buffer]);
    expect(read.data).toBe(readView);

    const whole = new Uint8Array([1, 2, 3, 4]);
    const part = { data: whole.subarray(1, 3) };
    const [moved] = transferableBuffers(part, 'data');
    expect(moved).not.toBe(whole.buffer);
    expect([...part.data]).toEqual([2, 3]);
    expect(part.data.buffer).toBe(moved);

    expect(ownedBuffers([readView, readView.subarray(1), shared.data, null])).toEqual([readView.buffer]);
  });
});
