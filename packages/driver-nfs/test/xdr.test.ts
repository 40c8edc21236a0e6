import { describe, expect, it } from 'vitest';
import { XdrError, XdrReader, XdrWriter } from '../src/index.js';
import { lastFragmentHeader, RecordDecoder, RecordMarkingError } from '../src/rpc/record-marking.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('XDR (RFC 4506)', () => {
  it('encodes integers big-endian, hypers in 8 bytes, opaque data and strings padded to 4 bytes', () => {
    const out = new XdrWriter()
      .u32(0xdeadbeef)
      .i32(-2)
      .u64(2 ** 40 + 3)
      .bool(true)
      .opaque(new Uint8Array([1, 2, 3, 4, 5]))
      .string('ab');
    expect(hex(out.bytes())).toBe(
      'deadbeef' + 'fffffffe' + '0000010000000003' + '00000001' + '00000005' + '0102030405000000' + '00000002' + '61620000',
    );
  });

  it('keeps large opaque data by reference instead of copying it', () => {
    const big = new Uint8Array(4096).fill(7);
    const pieces = new XdrWriter().u32(1).opaque(big).u32(2).finish();
    expect(pieces.some((p) => p === big)).toBe(true);
    expect(Buffer.concat(pieces).length).toBe(4 + 4 + 4096 + 4);
  });

  it('refuses values XDR cannot carry', () => {
    expect(() => new XdrWriter().u32(-1)).toThrow(RangeError);
    expect(() => new XdrWriter().u32(2 ** 32)).toThrow(RangeError);
    expect(() => new XdrWriter().u64(2 ** 60)).toThrow(RangeError);
    expect(() => new XdrWriter().opaque(new Uint8Array(65), 64)).toThrow(RangeError);
  });

  it('decodes what it encodes, and views opaque data without copying', () => {
    const bytes = new XdrWriter()
      .u32(7)
      .u64(123456789012n)
      .bool(false)
      .opaque(new Uint8Array([9, 8, 7]))
      .string('héllo')
      .bytes();
    const r = new XdrReader(bytes);
    expect([r.u32(), r.u64(), r.bool()]).toEqual([7, 123456789012, false]);
    const data = r.opaque();
    expect([...data]).toEqual([9, 8, 7]);
    expect(data.buffer).toBe(bytes.buffer);
    expect(r.string()).toBe('héllo');
    r.end();
  });

  it('throws XdrError (errno EIO) on a reply that ends early, overruns a bound or is not a bool', () => {
    expect(() => new XdrReader(new Uint8Array(3)).u32()).toThrow(XdrError);
    expect(() => new XdrReader(new XdrWriter().u32(100).bytes()).opaque()).toThrow(/ends early/);
    expect(() => new XdrReader(new XdrWriter().u32(65).bytes()).opaque(64)).toThrow(/bound of 64/);
    expect(() => new XdrReader(new XdrWriter().u32(2).bytes()).bool()).toThrow(/bool/);
    expect(() => new XdrReader(new XdrWriter().u32(0xffffffff).u32(0xffffffff).bytes()).u64()).toThrow(/too large/);
    expect(() => new XdrReader(new Uint8Array(8)).end()).toThrow(/unexpected bytes/);
    try {
      new XdrReader(new Uint8Array(1)).u32();
    } catch (err) {
      expect((err as { code: string }).code).toBe('EIO');
    }
  });
});

describe('record marking (RFC 5531 §11)', () => {
  const collect = (max = 1 << 20) => {
    const records: string[] = [];
    return { records, decoder: new RecordDecoder((r) => records.push(Buffer.from(r).toString()), max) };
  };
  const fragment = (text: string, last: boolean) => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(((last ? 0x80000000 : 0) | text.length) >>> 0);
    return Buffer.concat([header, Buffer.from(text)]);
  };

  it('marks a record sent as one fragment with the last-fragment bit', () => {
    expect(hex(lastFragmentHeader(5))).toBe('80000005');
  });

  it('splits a stream into records whatever the chunks: split headers, several records a chunk, many fragments a record', () => {
    const { records, decoder } = collect();
    const stream = Buffer.concat([fragment('one', true), fragment('tw', false), fragment('o', true), fragment('three', true)]);
    for (let i = 0; i < stream.length; i += 3) decoder.push(stream.subarray(i, i + 3));
    expect(records).toEqual(['one', 'two', 'three']);
    const whole = collect();
    whole.decoder.push(stream);
    expect(whole.records).toEqual(['one', 'two', 'three']);
  });

  it('refuses a record larger than the bound before buffering it', () => {
    const { decoder } = collect(10);
    expect(() => decoder.push(fragment('x'.repeat(11), true).subarray(0, 4))).toThrow(RecordMarkingError);
  });
});
