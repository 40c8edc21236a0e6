import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MD5_K, md5KernelModule } from '../src/engine/hashing/md5-lanes/md5-kernel.js';
import { Md5Lanes, MD5_LANES_SCRATCH_BYTES, type MemoryRange, type SharedWasmMemory } from '../src/engine/hashing/md5-lanes/md5-lanes.js';
import { sleb, uleb } from '../src/engine/hashing/md5-lanes/wasm-writer.js';
import { SeededRandom } from '../src/testing/test-data.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const PAGE = 64 * KiB;

interface GrowableMemory extends SharedWasmMemory {
  grow(pages: number): number;
}
const { Memory, Module } = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => GrowableMemory;
      Module: new (bytes: Uint8Array) => object;
    };
  }
).WebAssembly;

/** A shared memory of `bytes` (rounded up to pages), random from byte 4 KiB on; scratch at 0. */
function randomMemory(bytes: number): GrowableMemory {
  const pages = Math.ceil(bytes / PAGE);
  const memory = new Memory({ initial: pages, maximum: pages + 64, shared: true });
  const view = new Uint8Array(memory.buffer);
  for (let at = 4 * KiB; at < view.length; at += 64 * KiB)
    new SeededRandom(at).fill(view.subarray(at, at + Math.min(64 * KiB, view.length - at)));
  return memory;
}

/** Lays messages of these lengths one after another from `start`, each at an odd offset. */
function layout(lengths: readonly number[], start = 4 * KiB + 3): MemoryRange[] {
  let at = start;
  return lengths.map((length, i) => {
    const range = { offset: at, length };
    at += length + 1 + (i % 13);
    return range;
  });
}

function nodeMd5(memory: SharedWasmMemory, { offset, length }: MemoryRange): string {
  return createHash('md5')
    .update(new Uint8Array(memory.buffer, offset, length))
    .digest('hex');
}

const EDGE_LENGTHS = [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 65536, MiB + 7];

describe('wasm writer', () => {
  it('encodes LEB128 as the wasm spec shows', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(uleb(65536)).toEqual([0x80, 0x80, 0x04]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-1)).toEqual([0x7f]);
  });

  it('emits a module that validates and imports a shared memory', () => {
    const bytes = md5KernelModule();
    expect(() => new Module(bytes)).not.toThrow();
    // An unshared memory must not satisfy the import: the module declares it shared.
    const { Instance } = (globalThis as unknown as { WebAssembly: { Instance: new (m: object, i: object) => object } }).WebAssembly;
    const unshared = new (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number }) => object } }).WebAssembly.Memory({
      initial: 1,
    });
    expect(() => new Instance(new Module(bytes), { env: { memory: unshared } })).toThrow();
  });

  it('uses the RFC 1321 constants', () => {
    expect(MD5_K[0]).toBe(0xd76aa478);
    expect(MD5_K[63]).toBe(0xeb86d391);
  });
});

describe('Md5Lanes', () => {
  it('agrees with node:crypto on every edge length, all in one batch', () => {
    const messages = layout(EDGE_LENGTHS);
    const memory = randomMemory(messages.at(-1)!.offset + 2 * MiB);
    const md5 = new Md5Lanes(memory, 0);
    expect(md5.digest(messages)).toEqual(messages.map((m) => nodeMd5(memory, m)));
  });

  it('agrees on each edge length beside a longer and a shorter message', () => {
    const messages = layout([...EDGE_LENGTHS, 3 * KiB, 0]);
    const memory = randomMemory(messages.at(-1)!.offset + MiB);
    const md5 = new Md5Lanes(memory, 0);
    const [long, empty] = messages.slice(-2) as [MemoryRange, MemoryRange];
    for (const m of messages.slice(0, -2)) {
      expect(md5.digest([m, long, empty])).toEqual([nodeMd5(memory, m), nodeMd5(memory, long), nodeMd5(memory, empty)]);
    }
  });

  it('hashes several 8 MiB messages mixed with every edge length, in any order', () => {
    const lengths = [8 * MiB, 8 * MiB - 1, 8 * MiB + 64, ...EDGE_LENGTHS];
    const messages = layout(lengths);
    const memory = randomMemory(messages.at(-1)!.offset + 2 * MiB);
    const md5 = new Md5Lanes(memory, 0);
    const expected = messages.map((m) => nodeMd5(memory, m));
    expect(md5.digest(messages)).toEqual(expected);
    const reversed = [...messages].reverse();
    expect(md5.digest(reversed)).toEqual([...expected].reverse());
    // Interleave long and short so the long ones land in both lane groups.
    const order = messages.map((_, i) => i).sort((a, b) => ((a * 7) % 16) - ((b * 7) % 16));
    expect(md5.digest(order.map((i) => messages[i]!))).toEqual(order.map((i) => expected[i]));
  });

  it('hashes fewer messages than lanes, and exactly 4 and 8', () => {
    const messages = layout([8 * MiB, 8 * MiB + 1, 8 * MiB + 2, 8 * MiB + 3, 8 * MiB + 4, 8 * MiB + 5, 8 * MiB + 6, 8 * MiB + 7]);
    const memory = randomMemory(messages.at(-1)!.offset + 9 * MiB);
    const md5 = new Md5Lanes(memory, 0);
    const expected = messages.map((m) => nodeMd5(memory, m));
    for (const count of [2, 3, 4, 5, 7, 8]) {
      expect(md5.digest(messages.slice(0, count)), `${count} messages`).toEqual(expected.slice(0, count));
    }
    expect(md5.digest([])).toEqual([]);
  });

  it('hashes one message (the node:crypto path) and the same range twice', () => {
    const [m] = layout([100 * KiB + 5]) as [MemoryRange];
    const memory = randomMemory(m.offset + m.length + PAGE);
    const md5 = new Md5Lanes(memory, 0);
    expect(md5.digest([m])).toEqual([nodeMd5(memory, m)]);
    expect(md5.digest([m, m])).toEqual([nodeMd5(memory, m), nodeMd5(memory, m)]);
  });

  it('computes the digests in the wasm lanes, leaves the messages untouched', () => {
    // Equal lengths finish in the same call: a lane that finishes early goes on computing garbage.
    const messages = layout([70000, 70000]);
    const memory = randomMemory(messages.at(-1)!.offset + PAGE);
    const bytes = new Uint8Array(memory.buffer);
    const before = Buffer.from(bytes.subarray(MD5_LANES_SCRATCH_BYTES));
    const digests = new Md5Lanes(memory, 0).digest(messages);
    // Lane j's A, B, C, D (little-endian) are the digest: the kernel did the work.
    for (const j of [0, 1]) {
      const words = [0, 16, 32, 48].map((at) => Buffer.from(bytes.subarray(at + 4 * j, at + 4 * j + 4)).toString('hex'));
      expect(words.join('')).toBe(digests[j]);
    }
    expect(Buffer.compare(before, Buffer.from(bytes.subarray(MD5_LANES_SCRATCH_BYTES)))).toBe(0);
  });

  it('works with a scratch area anywhere aligned, and after the memory grows', () => {
    const memory = randomMemory(2 * MiB);
    const scratch = MiB + 16;
    const md5 = new Md5Lanes(memory, scratch);
    const first = layout([5000, 64, 200]);
    expect(md5.digest(first)).toEqual(first.map((m) => nodeMd5(memory, m)));
    const end = memory.buffer.byteLength;
    memory.grow(16);
    new SeededRandom(end).fill(new Uint8Array(memory.buffer, end, 16 * PAGE));
    const grown = [
      { offset: end + 1, length: 16 * PAGE - 1 },
      { offset: end - 100, length: 10_000 },
    ];
    expect(md5.digest(grown)).toEqual(grown.map((m) => nodeMd5(memory, m)));
  });

  it('takes new messages between steps, into free lanes, also after lanes were moved', () => {
    const lengths = [300 * KiB, 5 * KiB, 70 * KiB, 129, 2 * MiB, 64, 8 * KiB + 55, 1, 900 * KiB, 56, 0, 3 * KiB + 63];
    const memory = randomMemory(8 * MiB);
    const ranges = layout(lengths);
    const md5 = new Md5Lanes(memory, 0);
    const got: string[] = [];
    const add = (i: number) => md5.add(ranges[i]!, (d) => (got[i] = d));
    // Eight at once, then more as the short ones finish and the long ones run on alone.
    for (let i = 0; i < 8; i++) add(i);
    let steps = 0;
    let next = 8;
    while (md5.step()) {
      steps++;
      if (steps % 2 === 0 && next < lengths.length) add(next++);
    }
    while (next < lengths.length) add(next++);
    while (md5.step());
    expect(md5.busy).toBe(false);
    expect(got).toEqual(ranges.map((r) => nodeMd5(memory, r)));
  });

  it('keeps the tails of lanes moved to the first group when new messages take the second', () => {
    const short = [100, 200, 64, 10];
    const long = [MiB + 5, 2 * MiB + 60, 700 * KiB + 1, 900 * KiB + 57];
    const later = [300 * KiB + 9, 120, 65 * KiB + 61, 56];
    const memory = randomMemory(8 * MiB);
    const ranges = layout([...short, ...long, ...later]);
    const md5 = new Md5Lanes(memory, 0);
    const got: string[] = [];
    const add = (i: number) => md5.add(ranges[i]!, (d) => (got[i] = d));
    for (let i = 0; i < 8; i++) add(i);
    while (got.filter(Boolean).length < short.length) md5.step();
    // Four long messages left in lanes 4-7: this step moves them to lanes 0-3...
    md5.step();
    // ...and these take lanes 4-7, while the moved ones still have their tails to read.
    for (let i = 8; i < 12; i++) add(i);
    while (md5.step());
    expect(got).toEqual(ranges.map((r) => nodeMd5(memory, r)));
  });

  it('refuses bad scratch areas and ranges', () => {
    const memory = randomMemory(PAGE);
    expect(() => new Md5Lanes(memory, 8)).toThrow(RangeError);
    const md5 = new Md5Lanes(memory, 0);
    expect(() =>
      md5.digest([
        { offset: PAGE - 10, length: 11 },
        { offset: 4096, length: 1 },
      ]),
    ).toThrow(RangeError);
    expect(() =>
      md5.digest([
        { offset: MD5_LANES_SCRATCH_BYTES - 1, length: 2 },
        { offset: 4096, length: 1 },
      ]),
    ).toThrow(/scratch/);
    expect(() => md5.digest([{ offset: 4096, length: -1 }])).toThrow(RangeError);
    expect(() => new Md5Lanes(memory, PAGE - 16).digest([])).toThrow(/scratch/);
  });
});
