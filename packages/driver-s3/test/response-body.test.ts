import { hasErrorCode } from '@volback/core';
import { describe, expect, it } from 'vitest';
import { readResponseBody, type ResponseBody } from '../src/response-body.js';

// Faults a real server cannot be made to send: a body whose size disagrees with its Content-Length.
function body(chunks: Uint8Array[], streams = true): ResponseBody & { destroyed: boolean } {
  const b = {
    destroyed: false,
    async transformToByteArray(): Promise<Uint8Array> {
      return Buffer.concat(chunks);
    },
  };
  if (!streams) return b;
  return Object.assign(b, {
    async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
      try {
        for (const c of chunks) yield c;
      } finally {
        b.destroyed = true;
      }
    },
  });
}

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);
const lender = (size: number) => {
  const backing = new Uint8Array(size);
  return { backing, allocate: (length: number) => backing.subarray(0, length) };
};

describe('readResponseBody', () => {
  it('copies the chunks into the lent buffer, in order', async () => {
    const { backing, allocate } = lender(10);
    const got = await readResponseBody(body([bytes(3, 1), bytes(4, 2), bytes(1, 3)]), 8, allocate, 'GET b/k');
    expect(got.buffer === backing.buffer, 'the chunks went into the lent buffer').toBe(true);
    expect([...got]).toEqual([1, 1, 1, 2, 2, 2, 2, 3]);
  });

  it('fails, transiently, on a body shorter than its Content-Length', async () => {
    const { allocate } = lender(10);
    const err = await readResponseBody(body([bytes(3, 1)]), 8, allocate, 'GET b/k').catch((e: unknown) => e);
    expect(hasErrorCode(err, 'E_BACKEND')).toBe(true);
    expect((err as { transient: boolean }).transient).toBe(true);
    expect((err as Error).message).toMatch(/GET b\/k: got 3 bytes, Content-Length said 8/);
  });

  it('fails on a body longer than its Content-Length, without writing past the lent buffer, and stops reading', async () => {
    const backing = new Uint8Array(12).fill(9);
    const b = body([bytes(5, 1), bytes(5, 2), bytes(5, 3)]);
    const err = await readResponseBody(b, 8, (n) => backing.subarray(0, n), 'GET b/k').catch((e: unknown) => e);
    expect(hasErrorCode(err, 'E_BACKEND')).toBe(true);
    expect((err as Error).message).toMatch(/got 10 bytes, Content-Length said 8/);
    expect([...backing.subarray(8)]).toEqual([9, 9, 9, 9]);
    expect(b.destroyed).toBe(true);
  });

  it('collects the body itself without a lender, a length or a stream, and still checks the length', async () => {
    const chunks = [bytes(2, 1), bytes(2, 2)];
    expect([...(await readResponseBody(body(chunks), 4, undefined, 'GET b/k'))]).toEqual([1, 1, 2, 2]);
    expect([...(await readResponseBody(body(chunks), undefined, lender(8).allocate, 'GET b/k'))]).toEqual([1, 1, 2, 2]);
    expect([...(await readResponseBody(body(chunks, false), 4, lender(8).allocate, 'GET b/k'))]).toEqual([1, 1, 2, 2]);
    const err = await readResponseBody(body(chunks, false), 5, lender(8).allocate, 'GET b/k').catch((e: unknown) => e);
    expect(hasErrorCode(err, 'E_BACKEND')).toBe(true);
  });
});
