import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../src/errors.js';
import { readBody } from '../src/driver/bucket/read-body.js';
import { storeErrors } from '../src/driver/store-errors.js';

const errors = storeErrors('bucket');
const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

// Faults a real server cannot be made to send: a body whose size disagrees with its Content-Length.
function response(chunks: Uint8Array[], length: number | undefined, streams = true) {
  const state = { destroyed: false, collected: false };
  const stream = Readable.from(chunks, { objectMode: true }).on('close', () => (state.destroyed = true));
  const collect = async (): Promise<Uint8Array> => {
    state.collected = true;
    return Buffer.concat(chunks);
  };
  return { state, response: { body: streams ? stream : { notAStream: true }, length, collect } };
}

const lender = (size: number) => {
  const backing = new Uint8Array(size).fill(9);
  const asked: number[] = [];
  return { backing, asked, allocate: (length: number) => (asked.push(length), backing.subarray(0, length)) };
};

describe('readBody', () => {
  it('copies the chunks of a stream into the lent buffer, in order, asking it once for the length', async () => {
    const { backing, asked, allocate } = lender(10);
    const { state, response: r } = response([bytes(3, 1), bytes(4, 2), bytes(1, 3)], 8);
    const got = await readBody(errors, 'GET b/k', r, allocate);
    expect(got.buffer === backing.buffer, 'the chunks went into the lent buffer').toBe(true);
    expect([...got]).toEqual([1, 1, 1, 2, 2, 2, 2, 3]);
    expect(asked).toEqual([8]);
    expect(state.collected).toBe(false);
  });

  it('fails, transiently and naming the driver, on a body shorter than its Content-Length', async () => {
    const { allocate } = lender(10);
    const err = await readBody(errors, 'GET b/k', response([bytes(3, 1)], 8).response, allocate).catch((e: unknown) => e);
    expect(hasErrorCode(err, 'E_BACKEND')).toBe(true);
    expect((err as { transient: boolean }).transient).toBe(true);
    expect((err as Error).message).toBe('bucket: GET b/k: got 3 bytes, Content-Length said 8');
  });

  it('fails on a body longer than its Content-Length, without writing past the lent buffer, and stops reading', async () => {
    const { backing, allocate } = lender(12);
    const { state, response: r } = response([bytes(5, 1), bytes(5, 2), bytes(5, 3)], 8);
    const err = await readBody(errors, 'GET b/k', r, allocate).catch((e: unknown) => e);
    expect(hasErrorCode(err, 'E_BACKEND')).toBe(true);
    expect((err as Error).message).toMatch(/got 10 bytes, Content-Length said 8/);
    expect([...backing.subarray(5)]).toEqual([9, 9, 9, 9, 9, 9, 9]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(state.destroyed, 'the stream was ended').toBe(true);
  });

  it('collects the body another way without a length or a stream, and still checks the length', async () => {
    const chunks = [bytes(2, 1), bytes(2, 2)];
    for (const [length, streams] of [
      [undefined, true],
      [4, false],
    ] as const) {
      const { asked, allocate } = lender(8);
      const { state, response: r } = response(chunks, length, streams);
      expect([...(await readBody(errors, 'GET b/k', r, allocate))]).toEqual([1, 1, 2, 2]);
      expect(state.collected).toBe(true);
      expect(asked).toEqual([]);
    }
    const err = await readBody(errors, 'GET b/k', response(chunks, 5, false).response, lender(8).allocate).catch((e: unknown) => e);
    expect(hasErrorCode(err, 'E_BACKEND')).toBe(true);
  });
});
