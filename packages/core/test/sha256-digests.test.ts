import { describe, expect, it } from 'vitest';
import { hexOf, sameDigest, Sha256Digests } from '../src/format/sha256-digests.js';

describe('Sha256Digests', () => {
  const a = '0f'.repeat(32);
  const b = 'A1b2'.repeat(16);

  it('packs hex digests of any case and gives them back in lower case', () => {
    const d = Sha256Digests.fromHex([a, b]) as Sha256Digests;
    expect(d.length).toBe(2);
    expect(d.bytes.length).toBe(64);
    expect(d.toHex()).toEqual([a, b.toLowerCase()]);
    expect(d.hexAt(1)).toBe(b.toLowerCase());
  });

  it.each([
    ['a short digest', ['ab']],
    ['a non-hex digit', [`${'a'.repeat(63)}z`]],
    ['a number', [a, 1]],
  ])('refuses %s', (_what, list) => {
    expect(Sha256Digests.fromHex(list)).toBeNull();
  });

  it('compares digests across lists, and nothing past an end is equal', () => {
    const x = Sha256Digests.fromHex([a, b]) as Sha256Digests;
    const y = Sha256Digests.fromHex([b, a]) as Sha256Digests;
    expect(x.equalsAt(0, y, 1)).toBe(true);
    expect(x.equalsAt(0, y)).toBe(false);
    expect(x.equalsAt(2, y, 2)).toBe(false);
    expect(sameDigest(x.bytes, 1, y.bytes, 0)).toBe(true);
    expect(hexOf(x.bytes, 2)).toBe('nothing');
  });

  it('copies a range, cut at the end of the list, that does not alias it', () => {
    const d = Sha256Digests.fromHex([a, b, a]) as Sha256Digests;
    const copy = d.copyOf(1, 5);
    expect(copy.length).toBe(64);
    expect(copy.buffer.byteLength).toBe(64);
    copy.fill(0);
    expect(d.hexAt(1)).toBe(b.toLowerCase());
  });

  it('refuses bytes that are not whole digests', () => {
    expect(() => new Sha256Digests(new Uint8Array(33))).toThrow(RangeError);
  });
});
