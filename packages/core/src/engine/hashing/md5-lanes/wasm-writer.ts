/**
 * A minimal WebAssembly binary writer: just enough to emit one module that imports a shared
 * memory and exports SIMD functions. It exists so the MD5 kernel is generated from readable
 * TypeScript at load time instead of being committed as an opaque binary.
 */

/** Value types used by the kernels. */
export const ValType = { i32: 0x7f, v128: 0x7b } as const;
export type ValType = (typeof ValType)[keyof typeof ValType];

/** Unsigned LEB128, as wasm encodes sizes, indices and memarg fields. */
export function uleb(value: number): number[] {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`uleb: ${value}`);
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** Signed LEB128, as wasm encodes `i32.const` immediates. */
export function sleb(value: number): number[] {
  if (!Number.isInteger(value)) throw new RangeError(`sleb: ${value}`);
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function utf8Name(name: string): number[] {
  const bytes = [...new TextEncoder().encode(name)];
  return [...uleb(bytes.length), ...bytes];
}

/** A wasm vector: its element count, then the elements' bytes. */
function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

/** SIMD opcodes (after the 0xfd prefix) that the kernels use. */
const Simd = {
  load: 0x00,
  store: 0x0b,
  const: 0x0c,
  i32x4Splat: 0x11,
  load32Lane: 0x56,
  load32Zero: 0x5c,
  not: 0x4d,
  and: 0x4e,
  andnot: 0x4f,
  or: 0x50,
  xor: 0x51,
  bitselect: 0x52,
  i32x4Shl: 0xab,
  i32x4ShrU: 0xad,
  i32x4Add: 0xae,
} as const;

/** Builds one function body, instruction by instruction, as a stack machine would read it. */
export class CodeBuilder {
  readonly bytes: number[] = [];

  private simd(op: number, ...immediates: number[]): this {
    this.bytes.push(0xfd, ...uleb(op), ...immediates);
    return this;
  }

  /** memarg: log2 of the alignment hint, then the constant offset added to the address. */
  private static memarg(alignLog2: number, offset: number): number[] {
    return [...uleb(alignLog2), ...uleb(offset)];
  }

  localGet(index: number): this {
    this.bytes.push(0x20, ...uleb(index));
    return this;
  }
  localSet(index: number): this {
    this.bytes.push(0x21, ...uleb(index));
    return this;
  }
  localTee(index: number): this {
    this.bytes.push(0x22, ...uleb(index));
    return this;
  }
  i32Const(value: number): this {
    this.bytes.push(0x41, ...sleb(value | 0));
    return this;
  }
  i32Add(): this {
    this.bytes.push(0x6a);
    return this;
  }
  i32Sub(): this {
    this.bytes.push(0x6b);
    return this;
  }
  i32ShrU(): this {
    this.bytes.push(0x76);
    return this;
  }
  i32Eqz(): this {
    this.bytes.push(0x45);
    return this;
  }
  /** `block` with no result; `br` to it jumps past its `end`. */
  block(): this {
    this.bytes.push(0x02, 0x40);
    return this;
  }
  /** `loop` with no result; `br` to it jumps back to its start. */
  loop(): this {
    this.bytes.push(0x03, 0x40);
    return this;
  }
  brIf(depth: number): this {
    this.bytes.push(0x0d, ...uleb(depth));
    return this;
  }
  end(): this {
    this.bytes.push(0x0b);
    return this;
  }

  v128Load(offset: number, alignLog2 = 4): this {
    return this.simd(Simd.load, ...CodeBuilder.memarg(alignLog2, offset));
  }
  v128Store(offset: number, alignLog2 = 4): this {
    return this.simd(Simd.store, ...CodeBuilder.memarg(alignLog2, offset));
  }
  /** Loads 32 bits into lane 0 and zeroes the other lanes. */
  v128Load32Zero(offset: number): this {
    return this.simd(Simd.load32Zero, ...CodeBuilder.memarg(0, offset));
  }
  /** Pops an address and a vector; replaces `lane` of the vector with 32 bits from memory. */
  v128Load32Lane(offset: number, lane: number): this {
    return this.simd(Simd.load32Lane, ...CodeBuilder.memarg(0, offset), lane);
  }
  /** A constant vector of four 32-bit lanes. */
  i32x4Const(lanes: readonly [number, number, number, number]): this {
    const bytes = new Uint8Array(new Uint32Array(lanes.map((x) => x >>> 0)).buffer);
    return this.simd(Simd.const, ...bytes);
  }
  i32x4Splat(): this {
    return this.simd(Simd.i32x4Splat);
  }
  v128Not(): this {
    return this.simd(Simd.not);
  }
  v128And(): this {
    return this.simd(Simd.and);
  }
  /** a & ~b */
  v128AndNot(): this {
    return this.simd(Simd.andnot);
  }
  v128Or(): this {
    return this.simd(Simd.or);
  }
  v128Xor(): this {
    return this.simd(Simd.xor);
  }
  /** Pops v1, v2, mask: bits of v1 where the mask is set, of v2 elsewhere. */
  v128Bitselect(): this {
    return this.simd(Simd.bitselect);
  }
  i32x4Shl(): this {
    return this.simd(Simd.i32x4Shl);
  }
  i32x4ShrU(): this {
    return this.simd(Simd.i32x4ShrU);
  }
  i32x4Add(): this {
    return this.simd(Simd.i32x4Add);
  }
}

/** One exported function of a module. */
export interface FunctionSpec {
  readonly name: string;
  readonly params: readonly ValType[];
  /** Extra locals after the parameters, in order. */
  readonly locals: readonly ValType[];
  /** The body without its final `end`. */
  readonly code: CodeBuilder;
}

/**
 * Encodes a module whose only import is a shared memory `env.memory` of up to `maxPages`
 * pages, and whose functions (no results) are all exported under their names.
 */
export function encodeModule(functions: readonly FunctionSpec[], maxPages: number): Uint8Array {
  const magicAndVersion = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types = vec(functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec([])]));
  const sharedWithMax = 0x03;
  const memoryImport = [...utf8Name('env'), ...utf8Name('memory'), 0x02, sharedWithMax, ...uleb(0), ...uleb(maxPages)];
  const imports = vec([memoryImport]);
  const funcs = vec(functions.map((_, i) => uleb(i)));
  const exportFunction = 0x00;
  const exports = vec(functions.map((f, i) => [...utf8Name(f.name), exportFunction, ...uleb(i)]));
  const bodies = vec(
    functions.map((f) => {
      // Locals come as runs of one type: (count, type) pairs.
      const runs: number[][] = [];
      for (let i = 0; i < f.locals.length; ) {
        let j = i;
        while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
        runs.push([...uleb(j - i), f.locals[i] as number]);
        i = j;
      }
      const body = [...vec(runs), ...f.code.bytes, 0x0b];
      return [...uleb(body.length), ...body];
    }),
  );
  return new Uint8Array([
    ...magicAndVersion,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, bodies),
  ]);
}
