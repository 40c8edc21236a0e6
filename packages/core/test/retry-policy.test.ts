import { describe, expect, it } from 'vitest';
import { ChunkedBackupDriver } from '../src/chunked-backup-driver.js';
import { AuthError, BackendError, NotFoundError } from '../src/errors.js';
import { MemoryObjectStore } from '../src/memory-object-store.js';
import {
  checkRetryPolicy,
  DEFAULT_RETRY_POLICY,
  maxRetryWaitMs,
  retryDelay,
  retryDelayCap,
  withRetry,
  type RetryPolicy,
  type RetryTiming,
} from '../src/engine/store/retry.js';
import { rejectionOf, SeededRandom } from '../src/testing/test-data.js';

/** Waits recorded, not slept: the schedule is data. Rejects at once, as a real sleep does, on an aborted signal. */
function recordingTiming(seed: number): RetryTiming & { waits: number[] } {
  const rnd = new SeededRandom(seed);
  const waits: number[] = [];
  return {
    waits,
    random: () => rnd.fraction(),
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      waits.push(ms);
    },
  };
}

/** A call failing transiently `failures` times, then returning 'ok'; counts its calls. */
function flaky(failures: number): { fn: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    fn: async () => {
      calls++;
      if (calls <= failures) throw new BackendError(`503 slow down #${calls}`, true);
      return 'ok';
    },
    calls: () => calls,
  };
}

describe('the retry schedule', () => {
  it('doubles the longest wait from retry to retry until the cap, and the default waits 16.2 s at most in all', () => {
    const caps = Array.from({ length: DEFAULT_RETRY_POLICY.attempts - 1 }, (_, i) => retryDelayCap(DEFAULT_RETRY_POLICY, i + 1));
    expect(caps).toEqual([200, 400, 800, 1600, 3200, 5000, 5000]);
    expect(maxRetryWaitMs(DEFAULT_RETRY_POLICY)).toBe(16_200);
    expect(maxRetryWaitMs({ attempts: 1, baseDelayMs: 100, maxDelayMs: 100 }), 'one try never waits').toBe(0);
  });

  it('jitters each wait between half its cap and its cap', () => {
    const policy: RetryPolicy = { attempts: 6, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(retryDelay(policy, 3, 0)).toBe(200);
    expect(retryDelay(policy, 3, 0.5)).toBe(300);
    expect(retryDelay(policy, 3, 0.999999)).toBeCloseTo(400, 2);
    expect(retryDelay(policy, 5, 0.999999), 'capped').toBeLessThanOrEqual(1000);
  });

  it('waits as the schedule says: growing, jittered, capped, and never more than the bound in all', async () => {
    const policy: RetryPolicy = { attempts: 8, baseDelayMs: 100, maxDelayMs: 1000 };
    const sums: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const timing = recordingTiming(seed);
      const call = flaky(7);
      await expect(withRetry(call.fn, policy, undefined, timing)).resolves.toBe('ok');
      expect(call.calls()).toBe(8);
      expect(timing.waits).toHaveLength(7);
      for (const [i, wait] of timing.waits.entries()) {
        const cap = retryDelayCap(policy, i + 1);
        expect(wait).toBeGreaterThanOrEqual(cap / 2);
        expect(wait).toBeLessThanOrEqual(cap);
      }
      // Each wait's range lies above the one before, up to the cap: waits grow.
      expect(timing.waits[3]).toBeGreaterThan(timing.waits[0] as number);
      sums.push(timing.waits.reduce((a, b) => a + b, 0));
    }
    for (const sum of sums) expect(sum).toBeLessThanOrEqual(maxRetryWaitMs(policy));
    expect(new Set(sums).size, 'jitter: no two seeds wait alike').toBe(sums.length);
  });

  it('gives up after the last try with a permanent error naming the tries and keeping the cause', async () => {
    const timing = recordingTiming(1);
    const call = flaky(Number.POSITIVE_INFINITY);
    const err = await rejectionOf(withRetry(call.fn, DEFAULT_RETRY_POLICY, undefined, timing));
    expect(call.calls()).toBe(DEFAULT_RETRY_POLICY.attempts);
    expect(timing.waits).toHaveLength(DEFAULT_RETRY_POLICY.attempts - 1);
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ code: 'E_BACKEND', transient: false });
    expect((err as Error).message).toBe('503 slow down #8 (gave up after 8 tries)');
    expect((err as Error).cause).toMatchObject({ message: '503 slow down #8', transient: true });
  });
});

describe('permanent errors', () => {
  it.each([
    ['AuthError', new AuthError('access denied')],
    ['a permanent BackendError', new BackendError('disk full', false)],
    ['NotFoundError', new NotFoundError('no such object')],
    ['an untyped error', new Error('bug')],
  ])('%s fails at once: one call, no wait, the error itself', async (_name, error) => {
    const timing = recordingTiming(1);
    let calls = 0;
    const err = await rejectionOf(
      withRetry(
        async () => {
          calls++;
          throw error;
        },
        DEFAULT_RETRY_POLICY,
        undefined,
        timing,
      ),
    );
    expect(err).toBe(error);
    expect(calls).toBe(1);
    expect(timing.waits).toEqual([]);
  });
});

describe('cancellation', () => {
  it('a signal fired during a wait ends it at once with E_CANCELLED, keeping the failure as cause', async () => {
    // An hour's wait: only the signal can end this test before its timeout.
    const policy: RetryPolicy = { attempts: 3, baseDelayMs: 3_600_000, maxDelayMs: 3_600_000 };
    const controller = new AbortController();
    let calls = 0;
    const err = await rejectionOf(
      withRetry(
        async () => {
          calls++;
          setImmediate(() => controller.abort());
          throw new BackendError('connection reset', true);
        },
        policy,
        controller.signal,
      ),
    );
    expect(err).toMatchObject({ code: 'E_CANCELLED' });
    expect((err as Error).cause).toMatchObject({ message: 'connection reset' });
    expect(calls).toBe(1);
  }, 10_000);

  it('an aborted signal makes no call', async () => {
    const controller = new AbortController();
    controller.abort();
    const call = flaky(0);
    expect(await rejectionOf(withRetry(call.fn, DEFAULT_RETRY_POLICY, controller.signal))).toMatchObject({ code: 'E_CANCELLED' });
    expect(call.calls()).toBe(0);
  });
});

describe('policy settings', () => {
  it.each([
    { attempts: 0, baseDelayMs: 1, maxDelayMs: 1 },
    { attempts: 2.5, baseDelayMs: 1, maxDelayMs: 1 },
    { attempts: 3, baseDelayMs: -1, maxDelayMs: 1 },
    { attempts: 3, baseDelayMs: 10, maxDelayMs: 5 },
    { attempts: 3, baseDelayMs: 1, maxDelayMs: Number.POSITIVE_INFINITY },
  ])('refuses %o with E_CONFIG naming `retry`, in the driver too', (policy) => {
    expect(() => checkRetryPolicy(policy)).toThrow(expect.objectContaining({ code: 'E_CONFIG', field: 'retry' }));
    expect(() => new ChunkedBackupDriver(new MemoryObjectStore(), { retry: policy })).toThrow(
      expect.objectContaining({ code: 'E_CONFIG' }),
    );
  });
});
