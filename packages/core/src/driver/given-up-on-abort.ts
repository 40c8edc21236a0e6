import type { StoreErrors } from './store-errors.js';

/** A signal that never aborts, for calls made without one. */
const NEVER = new AbortController().signal;

/**
 * What runs when each signal aborts. One listener a signal, however many calls share it: a job's
 * signal is shared by every call in flight, and a listener each would trip Node's warning about
 * a leak (more than 10 on one EventTarget) where there is none.
 */
const onAbortOf = new WeakMap<AbortSignal, Set<() => void>>();

/** Runs `fn` when `signal` aborts; the returned function unregisters it. */
function whenAborted(signal: AbortSignal, fn: () => void): () => void {
  let waiting = onAbortOf.get(signal);
  if (waiting === undefined) {
    const set = new Set<() => void>();
    signal.addEventListener(
      'abort',
      () => {
        for (const f of set) f();
        set.clear();
      },
      { once: true },
    );
    onAbortOf.set(signal, set);
    waiting = set;
  }
  waiting.add(fn);
  const registered = waiting;
  return () => registered.delete(fn);
}

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
  let unregister: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    unregister = whenAborted(signal, () => reject(errors.cancelled(what, signal.reason)));
  });
  const running = call(signal);
  running.catch(() => undefined);
  try {
    return await Promise.race([running, aborted]);
  } finally {
    unregister?.();
  }
}
