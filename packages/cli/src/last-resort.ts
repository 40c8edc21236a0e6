import { EXIT_CODES } from './exit-codes.js';

/**
 * Runs the command as the process's last line of defence. `main` reports every error it
 * catches; what escapes it is a bug, and still ends with a message on stderr and exit status 1
 * (E_UNEXPECTED), never with silence: a rejection nobody handles, an exception thrown from a
 * callback, a rejected `main`, or a `main` that never settles (the work it awaited was lost, the
 * event loop ran dry, and Node would exit 13 without a word).
 */
export async function runAsProcess(main: () => Promise<number>): Promise<void> {
  let finished = false;
  const fail = (what: string, cause?: unknown): void => {
    finished = true;
    const detail = cause === undefined ? '' : `: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`;
    process.stderr.write(`volback: unexpected error (a bug, please report it): ${what}${detail}\n`);
    process.exit(EXIT_CODES.E_UNEXPECTED);
  };
  process.on('unhandledRejection', (reason) => fail('a failure nobody handled', reason));
  process.on('uncaughtException', (err) => fail('an exception nobody caught', err));
  // Emitted when nothing is left to run; the command is done by then, unless its work was lost.
  process.on('beforeExit', () => {
    if (!finished) fail('the command stopped before it finished: an operation it waited for never completed');
  });
  try {
    process.exitCode = await main();
    finished = true;
  } catch (err) {
    fail('the command failed outside its error handling', err);
  }
}
