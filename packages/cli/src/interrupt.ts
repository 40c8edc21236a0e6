import type { CliIo } from './io.js';

/**
 * Runs `fn` with a signal that fires on Ctrl-C (SIGINT) or SIGTERM, so a backup stops cleanly
 * and removes what it wrote instead of leaving half a backup behind.
 */
export async function withInterrupt<T>(io: CliIo, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    io.stderr.write(`\n${sig}: stopping, cleaning up…\n`);
    controller.abort(new Error(`interrupted by ${sig}`));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
