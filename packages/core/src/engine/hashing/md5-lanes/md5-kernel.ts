import { CodeBuilder, encodeModule, ValType, type FunctionSpec } from './wasm-writer.js';

/**
 * Emits the multi-buffer MD5 kernels: RFC 1321's compression function over 4 messages in
 * lockstep, message j in 32-bit lane j of every v128 value, with the 64 steps fully unrolled
 * inside a loop over 64-byte blocks.
 *
 * Work area at `state` (16-byte aligned), per group g of four lanes:
 *   state + 64g + 0/16/32/48   A, B, C, D (lane j = message 4g+j, little-endian u32)
 */

/** Per-round left-rotation amounts, RFC 1321. */
const SHIFTS = [
  [7, 12, 17, 22],
  [5, 9, 14, 20],
  [4, 11, 16, 23],
  [6, 10, 15, 21],
] as const;

/** K[i] = floor(|sin(i + 1)| · 2^32), RFC 1321. */
export const MD5_K: readonly number[] = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32));

/** The message word step i reads. */
function wordIndex(i: number): number {
  const round = i >> 4;
  const n = i & 15;
  return round === 0 ? n : round === 1 ? (5 * n + 1) & 15 : round === 2 ? (3 * n + 5) & 15 : (7 * n) & 15;
}

/**
 * With two groups, each group's step is tied to the other group's result from this many steps
 * back. V8's scheduler orders independent chains one after the other rather than interleaving
 * them, so md5x8 ran no faster than md5x4; adding `other & 0` (a zero it cannot prove) to the
 * message word, off the critical path, keeps the two chains within a few steps of each other so
 * the CPU overlaps them: md5x8 went from 1.0x to about 1.4x of md5x4.
 *
 * The kernel's other choices measured within noise of their alternatives on an AMD EPYC (AVX2)
 * under Node 20, or a few percent ahead: the block transposed with 32-bit lane loads (not
 * 16-byte loads and shuffles) into locals (not memory), K[i] as a v128.const (not a splat), and
 * G as (b & d) + (c & ~d) rather than one bitselect. The variants live in this file's history.
 */
const TIE = 3;

/** Bytes of the work area at `state` that a kernel with `groups` groups uses: A, B, C, D of each. */
export function workAreaBytes(groups: number): number {
  return 64 * groups;
}

interface GroupLocals {
  /** A, B, C, D: the running state. */
  readonly abcd: [number, number, number, number];
  /** The state at the start of the block, added back at its end. */
  readonly saved: [number, number, number, number];
  /** The 16 transposed message words. */
  readonly words: number[];
  /** Scratch for the step's pre-rotation sum. */
  readonly sum: number;
}

/** Emits `md5x{4·groups}(state, p0 … p{4·groups-1}, blocks)`. */
function md5Function(name: string, groups: 1 | 2): FunctionSpec {
  const lanes = 4 * groups;
  const state = 0;
  const pointer = (lane: number): number => 1 + lane;
  const blocks = 1 + lanes;
  const params: ValType[] = Array.from({ length: lanes + 2 }, () => ValType.i32);

  const locals: ValType[] = [];
  const newLocal = (): number => {
    locals.push(ValType.v128);
    return params.length + locals.length - 1;
  };
  const four = (): [number, number, number, number] => [newLocal(), newLocal(), newLocal(), newLocal()];
  const group: GroupLocals[] = Array.from({ length: groups }, () => ({
    abcd: four(),
    saved: four(),
    words: Array.from({ length: 16 }, newLocal),
    sum: newLocal(),
  }));
  const zero = newLocal();

  const c = new CodeBuilder();

  /** Transposes the current block of group g's four messages into its words (lane j = message 4g+j). */
  const loadBlock = (g: number): void => {
    const gl = group[g]!;
    const p = (j: number): number => pointer(4 * g + j);
    for (let k = 0; k < 16; k++) {
      // load32_lane pops (address, vector): stack the later addresses first.
      c.localGet(p(3))
        .localGet(p(2))
        .localGet(p(1))
        .localGet(p(0))
        .v128Load32Zero(4 * k);
      for (let j = 1; j < 4; j++) c.v128Load32Lane(4 * k, j);
      c.localSet(gl.words[k]!);
    }
  };

  /** Adds the round function of step i on (b, c, d) to the vector on the stack. */
  const addRoundFunction = (i: number, b: number, cc: number, d: number): void => {
    switch (i >> 4) {
      case 0: // F = (b & c) | (~b & d)
        c.localGet(cc).localGet(d).localGet(b).v128Bitselect();
        break;
      case 1: // G = (b & d) | (c & ~d); the halves share no bits, so adding them also works
        c.localGet(cc).localGet(d).v128AndNot().i32x4Add();
        c.localGet(b).localGet(d).v128And();
        break;
      case 2: // H = b ^ c ^ d, with c ^ d (known a step earlier) first
        c.localGet(cc).localGet(d).v128Xor().localGet(b).v128Xor();
        break;
      default: // I = c ^ (b | ~d)
        c.localGet(cc).localGet(b).localGet(d).v128Not().v128Or().v128Xor();
    }
    c.i32x4Add();
  };

  /** One MD5 step for group g: a = b + rotl(a + f(b, c, d) + M[g] + K[i], s). */
  const step = (g: number, i: number, [a, b, cc, d]: readonly number[], tie?: number): void => {
    const gl = group[g]!;
    const s = SHIFTS[i >> 4]![i & 3]!;
    const k = MD5_K[i]!;
    // a + (M + K) does not wait for b: only f and the final add do.
    c.localGet(a!);
    c.localGet(gl.words[wordIndex(i)]!);
    c.i32x4Const([k, k, k, k]);
    c.i32x4Add();
    if (tie !== undefined) c.localGet(tie).localGet(zero).v128And().i32x4Add();
    c.i32x4Add();
    addRoundFunction(i, b!, cc!, d!);
    c.localTee(gl.sum);
    c.i32Const(s).i32x4Shl();
    c.localGet(gl.sum)
      .i32Const(32 - s)
      .i32x4ShrU();
    c.v128Or().localGet(b!).i32x4Add().localSet(a!);
  };

  for (let g = 0; g < groups; g++) {
    group[g]!.abcd.forEach((v, r) =>
      c
        .localGet(state)
        .v128Load(64 * g + 16 * r)
        .localSet(v),
    );
  }
  // A zero the compiler cannot fold: blocks >>> 31 is 0, as 2^31 blocks would exceed 4 GiB.
  c.localGet(blocks).i32Const(31).i32ShrU().i32x4Splat().localSet(zero);
  c.block();
  c.localGet(blocks).i32Eqz().brIf(0);
  c.loop();
  for (let g = 0; g < groups; g++) loadBlock(g);
  for (let g = 0; g < groups; g++) {
    const gl = group[g]!;
    gl.abcd.forEach((v, r) => c.localGet(v).localSet(gl.saved[r]!));
  }
  // Each step writes the local holding "a"; the roles then rotate (a, b, c, d) ← (d, a, b, c).
  const roles = group.map((gl) => [...gl.abcd]);
  const results: number[][] = group.map(() => []);
  for (let i = 0; i < 64; i++) {
    for (let g = 0; g < groups; g++) {
      const r = roles[g]!;
      const other = results[(g + 1) % groups]!;
      step(g, i, r, groups > 1 && i >= TIE + 1 ? other[i - TIE] : undefined);
      results[g]!.push(r[0]!);
      r.unshift(r.pop()!);
    }
  }
  for (let g = 0; g < groups; g++) {
    const gl = group[g]!;
    gl.abcd.forEach((v, r) => c.localGet(v).localGet(gl.saved[r]!).i32x4Add().localSet(v));
  }
  for (let lane = 0; lane < lanes; lane++) c.localGet(pointer(lane)).i32Const(64).i32Add().localSet(pointer(lane));
  c.localGet(blocks).i32Const(1).i32Sub().localTee(blocks).brIf(0);
  c.end();
  c.end();
  for (let g = 0; g < groups; g++) {
    group[g]!.abcd.forEach((v, r) =>
      c
        .localGet(state)
        .localGet(v)
        .v128Store(64 * g + 16 * r),
    );
  }
  return { name, params, locals, code: c };
}

/** The largest shared memory wasm32 allows, in 64 KiB pages: any such memory can be imported. */
export const MAX_MEMORY_PAGES = 65536;

/**
 * The module's bytes: imports `env.memory` (shared, up to 4 GiB) and exports
 * `md5x4(state, p0, p1, p2, p3, blocks)` and `md5x8(state, p0 … p7, blocks)`, which run
 * `blocks` 64-byte blocks from each p_j (all advancing together) through the state at `state`
 * in place; see the layout at the top of this file and workAreaBytes for its size.
 */
export function md5KernelModule(): Uint8Array {
  return encodeModule([md5Function('md5x4', 1), md5Function('md5x8', 2)], MAX_MEMORY_PAGES);
}
