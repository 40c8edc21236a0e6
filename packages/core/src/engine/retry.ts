import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledError, throwIfAborted } from '../errors.js';

/** How transient backend errors are retried. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Delay before the first retry; doubles each time, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 5_000 };

/** A backend error a retry may cure: only errors that say so (`transient: true`). */
export function isTransient(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { transient?: unknown }).transient === true;
}

/** Runs `fn`, retrying transient failures with exponential backoff and jitter; honours `signal`. */
export async function withRetry<T>(fn: () => Promise<T>, policy: RetryPolicy, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(signal);
    try {
      return await fn();
    } catch (err) {
      if (attempt >= policy.attempts || !isTransient(err)) throw err;
      const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      try {
        await sleep(delay / 2 + Math.random() * (delay / 2), undefined, { signal });
      } catch {
        throw new CancelledError('operation cancelled while waiting to retry', { cause: err });
      }
    }
  }
}
