import { LARGE_OBJECT_SIZES, type StoreGroup } from './store-group.js';
import { describeDifference, errorCodeOf, settlesWithin } from './test-data.js';

/**
 * How long a store call may go on once its signal has aborted. The engine stops a cancelled
 * backup by aborting the signal of every call in flight; a store that finishes a slow call
 * first (a big upload on a slow link) keeps the user waiting, and the engine's own checks
 * come only between calls.
 */
export const ABORT_BOUND_MS = 2000;

/** What a call whose signal aborted while it ran may settle with: done before it noticed, or cancelled. */
const ABORTED_OUTCOMES = ['no error', 'E_CANCELLED'];

/** The store's own handling of `signal`: checked by what it does, whatever checks core adds around it. */
export function defineStoreSignalTests(group: StoreGroup): void {
  const { t, expect, rnd } = group;

  t.test('a call given an aborted signal rejects with E_CANCELLED and changes nothing', async () => {
    await group.withScratch(async (s) => {
      const store = group.store;
      const signal = AbortSignal.abort();
      const kept = `${s.prefix}kept`;
      const keptData = rnd.bytes(1000);
      await s.put(kept, keptData);
      const cancelled = async (what: string, call: () => Promise<unknown>) =>
        expect(await settlesWithin(errorCodeOf(started(call)), ABORT_BOUND_MS, what), `${what} with an aborted signal`).toBe('E_CANCELLED');

      await cancelled('a put', () => store.putObject(s.container, `${s.prefix}never`, rnd.bytes(1000), { signal }));
      expect(await store.listObjects(s.container, s.prefix), 'a put with an aborted signal stores nothing').toEqual([kept]);
      await cancelled('a delete', () => store.deleteObject(s.container, kept, { signal }));
      expect(
        describeDifference(await store.getObject(s.container, kept), keptData),
        'a delete with an aborted signal deletes nothing',
      ).toBeNull();
      await cancelled('a get', () => store.getObject(s.container, kept, { signal }));
      await cancelled('a listing', () => store.listObjects(s.container, s.prefix, { signal }));
      await cancelled('ensureContainer', () => store.ensureContainer(s.container, { signal }));
      const flush = store.flush?.bind(store);
      if (flush) await cancelled('a flush', () => flush(s.container, { signal }));
    });
  });

  t.test(`a call whose signal aborts while it runs settles within ${ABORT_BOUND_MS} ms: done, or E_CANCELLED`, async () => {
    await group.withScratch(async (s) => {
      const store = group.store;
      const data = group.largeBytes(LARGE_OBJECT_SIZES[0]);
      const name = `${s.prefix}aborted`;
      /** Starts `call`, aborts its signal at once, and bounds how long it goes on. */
      const abortedWhileRunning = async (what: string, call: (signal: AbortSignal) => Promise<unknown>) => {
        const controller = new AbortController();
        const running = started(() => call(controller.signal));
        controller.abort();
        const outcome = await settlesWithin(errorCodeOf(running), ABORT_BOUND_MS, `${what} whose signal aborted while it ran`);
        expect(ABORTED_OUTCOMES, `${what} whose signal aborted while it ran settled with`).toContain(outcome);
      };

      await abortedWhileRunning('a put of a large object', (signal) => store.putObject(s.container, name, data, { signal }));
      await s.put(name, data);
      await abortedWhileRunning('a get of a large object', (signal) => store.getObject(s.container, name, { signal }));
      await abortedWhileRunning('a listing', (signal) => store.listObjects(s.container, s.prefix, { signal }));
    });
  });
}

/** The call's promise, or its synchronous throw as a rejection: a store method may be a plain function. */
function started(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return call();
  } catch (err) {
    return Promise.reject(err);
  }
}
