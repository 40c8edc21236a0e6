import type { StoreErrors } from './store-errors.js';

/** A signal that never aborts, for calls made without one. */
const NEVER = new AbortController().signal;

/**
 * Runs `call` and settles as it does, or rejects with CancelledError as soon as `signal` aborts,
 * whichever comes first: a transport that ignores the signal cannot hold the engine. The call
 * goes on in the background then; its late outcome is dropped, never an unhandled rejection.
 */
export async function givenUpOnAbort<T>(
  errors: StoreErrors,
  what: string,
  signal: AbortSignal | undefined,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (signal === undefined) return call(NEVER);
  if (signal.aborted) throw errors.cancelled(what, signal.reason);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(errors.cancelled(what, signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const running = call(signal);
  running.catch(() => undefined);
  try {
    return await Promise.race([running, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort as () => void);
  }
}
