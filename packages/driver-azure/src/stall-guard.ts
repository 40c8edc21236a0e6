import { azureErrors } from './azure-errors.js';

/**
 * Runs `call` with a signal of its own that aborts when the caller's does, or when `idleMs` pass
 * without `progress()` being called: the SDK's own try timeout only asks the service to give up
 * (a `timeout=` query parameter), so a server that accepts a connection and never answers, or
 * stops sending a body halfway, would otherwise hold the call forever. A stall is a transient
 * BackendError (the engine retries it); the caller's abort stays the SDK's error, which core
 * reads as a cancellation.
 */
export async function withStallGuard<T>(
  what: string,
  signal: AbortSignal,
  idleMs: number,
  call: (signal: AbortSignal, progress: () => void) => Promise<T>,
): Promise<T> {
  const stall = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const progress = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(), idleMs);
  };
  // AbortSignal.any rather than a listener on the caller's signal: one signal serves every call
  // of a job, and a listener per call in flight would trip Node's MaxListeners warning.
  const combined = AbortSignal.any([signal, stall.signal]);
  progress();
  try {
    return await call(combined, progress);
  } catch (err) {
    if (stall.signal.aborted && !signal.aborted) throw azureErrors.backend(`${what}: no progress for ${idleMs} ms`, true, err);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
