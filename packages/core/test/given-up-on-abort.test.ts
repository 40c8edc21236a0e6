import { afterEach, describe, expect, it } from 'vitest';
import { givenUpOnAbort } from '../src/driver/given-up-on-abort.js';
import { storeErrors } from '../src/driver/store-errors.js';
import { CancelledError } from '../src/errors.js';

const errors = storeErrors('t');
const warnings: Error[] = [];
const onWarning = (w: Error): void => {
  warnings.push(w);
};
afterEach(() => {
  process.off('warning', onWarning);
  warnings.length = 0;
});

describe('givenUpOnAbort on a signal many calls share', () => {
  it('cancels every call in flight at once, and leaves no leak warning', async () => {
    process.on('warning', onWarning);
    const job = new AbortController();
    const never = () => new Promise<never>(() => undefined);
    const calls = Array.from({ length: 50 }, (_, i) => givenUpOnAbort(errors, `call ${i}`, job.signal, never));
    job.abort(new Error('stop'));
    const outcomes = await Promise.allSettled(calls);
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof CancelledError)).toBe(true);
    // Node reports the warning on the next turn.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('a call that ended is no longer cancelled by a later abort', async () => {
    const job = new AbortController();
    await expect(givenUpOnAbort(errors, 'done', job.signal, async () => 7)).resolves.toBe(7);
    const late = givenUpOnAbort(errors, 'late', job.signal, () => new Promise<never>(() => undefined));
    job.abort();
    await expect(late).rejects.toBeInstanceOf(CancelledError);
  });
});
