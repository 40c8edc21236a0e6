import { setTimeout as sleep } from 'node:timers/promises';
import { BackendError, CancelledError, ConfigError, throwIfAborted } from '../../errors.js';

/** How transient backend errors are retried. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Longest wait before the first retry; it doubles for each next retry, up to `maxDelayMs`. */
  baseDelayMs: number;
  /** Longest wait before any one retry. */
  maxDelayMs: number;
}

/**
 * Eight tries, waiting at most 0.2, 0.4, 0.8, 1.6, 3.2, 5 and 5 s between them: 16.2 s in all
 * at worst ({@link maxRetryWaitMs}), on top of the tries themselves. A backup makes one call per
 * object, so a long one makes hundreds of thousands; with one call in ten failing, a call fails
 * for good once in 10^8 calls (four tries made that once in 10^4: a long backup was sure to
 * die). The waits span about 16 s so a backend shedding load (503, 429) gets time to recover.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 8, baseDelayMs: 200, maxDelayMs: 5_000 };

/** A backend error a retry may cure: only errors that say so (`transient: true`). */
export function isTransient(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { transient?: unknown }).transient === true;
}

/** Throws a `ConfigError` (field `retry`) unless the policy can be followed. */
export function checkRetryPolicy(policy: RetryPolicy): void {
  const { attempts, baseDelayMs, maxDelayMs } = policy;
  if (!Number.isSafeInteger(attempts) || attempts < 1) {
    throw new ConfigError(`retry.attempts must be a whole number of tries, at least 1; got ${attempts}`, 'retry');
  }
  if (!(Number.isFinite(baseDelayMs) && baseDelayMs >= 0 && Number.isFinite(maxDelayMs) && maxDelayMs >= baseDelayMs)) {
    throw new ConfigError(
      `retry delays must be finite, with 0 <= baseDelayMs <= maxDelayMs; got ${baseDelayMs} and ${maxDelayMs}`,
      'retry',
    );
  }
}

/**
 * The longest wait before retry number `retry` (1 for the first): `baseDelayMs` doubled for
 * each retry before it, capped at `maxDelayMs`. The wait itself is jittered (see {@link retryDelay}).
 */
export function retryDelayCap(policy: RetryPolicy, retry: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
}

/**
 * The wait before retry number `retry`, given `random` in [0, 1): between half the cap and the
 * cap. The jitter spreads out calls that failed together (a backend's hiccup fails every call
 * in flight), so their retries do not all land at once; the half kept guarantees a throttled
 * backend some rest.
 */
export function retryDelay(policy: RetryPolicy, retry: number, random: number): number {
  const cap = retryDelayCap(policy, retry);
  return cap / 2 + random * (cap / 2);
}

/** The most a call can wait between its tries, in all: the sum of every retry's cap. */
export function maxRetryWaitMs(policy: RetryPolicy): number {
  let total = 0;
  for (let retry = 1; retry < policy.attempts; retry++) total += retryDelayCap(policy, retry);
  return total;
}

/** How {@link withRetry} waits and draws its jitter; tests give their own, to see the schedule without waiting. */
export interface RetryTiming {
  /** Resolves after `ms`; rejects at once when `signal` fires. */
  sleep(ms: number, signal: AbortSignal | undefined): Promise<void>;
  /** A number in [0, 1). */
  random(): number;
}

const REAL_TIMING: RetryTiming = {
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
  random: Math.random,
};

/**
 * Runs `fn`, retrying transient failures (those marked `transient: true`) as `policy` says, with
 * exponential backoff and jitter. A permanent error is thrown as it is, after one call. When
 * every try failed, the last error is kept as the cause of a permanent `BackendError` saying so,
 * so an outer retry does not start the count again. A `signal` that fires stops a wait at once.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy,
  signal?: AbortSignal,
  timing: RetryTiming = REAL_TIMING,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(signal);
    try {
      return await fn();
    } catch (err) {
      if (!isTransient(err)) throw err;
      if (attempt >= policy.attempts) {
        throw new BackendError(`${messageOf(err)} (gave up after ${attempt} ${attempt === 1 ? 'try' : 'tries'})`, false, { cause: err });
      }
      try {
        await timing.sleep(retryDelay(policy, attempt, timing.random()), signal);
      } catch {
        throw new CancelledError('operation cancelled while waiting to retry', { cause: err });
      }
    }
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
