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
  const controller = new AbortController();
  const stalled = new Error(`${what}: no progress for ${idleMs} ms`);
  let timer: NodeJS.Timeout | undefined;
  const progress = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(stalled), idleMs);
  };
  const forward = (): void => controller.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener('abort', forward, { once: true });
  progress();
  try {
    return await call(controller.signal, progress);
  } catch (err) {
    if (controller.signal.reason === stalled && !signal.aborted) throw azureErrors.backend(stalled.message, true, err);
    throw err;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', forward);
  }
}
