import { AsyncLocalStorage } from 'node:async_hooks';
import { CancelledError } from '@volback/core';
import type { CliIo } from './io.js';

/** Calls `onInterrupt` when the user asks the command to stop, until the returned function is called. */
export type InterruptSource = (onInterrupt: (signal: NodeJS.Signals) => void) => () => void;

/**
 * The process's own SIGINT and SIGTERM, for a command run in-process (a host calling `main()`).
 * Only the first is taken: a second one has its default effect, ending the process.
 */
export function processSignals(io: CliIo): InterruptSource {
  return (onInterrupt) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      stop();
      io.stderr.write(`\n${signal}: stopping, cleaning up…\n`);
      onInterrupt(signal);
    };
    const stop = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    return stop;
  };
}

/** The command running in this async context: its abort signal, and how many parts of it use the signal. */
interface CommandScope {
  controller: AbortController;
  sections: number;
}

const scopes = new AsyncLocalStorage<CommandScope>();

/**
 * Runs a whole command so that the first interrupt stops it with {@link CancelledError}. Inside a
 * {@link withInterrupt} section the command is handed the signal, so it is waited for while it
 * unwinds and cleans up (a backup removes what it wrote); anywhere else it is not waited for.
 */
export async function runInterruptible<T>(source: InterruptSource, run: () => Promise<T>): Promise<T> {
  const scope: CommandScope = { controller: new AbortController(), sections: 0 };
  let stop = (): void => undefined;
  const interrupted = new Promise<never>((_, reject) => {
    stop = source((signal) => {
      const reason = new CancelledError(`interrupted by ${signal}`);
      scope.controller.abort(reason);
      if (scope.sections === 0) reject(reason);
    });
  });
  const work = scopes.run(scope, run);
  // Whichever loses the race settles unobserved.
  interrupted.catch(() => undefined);
  work.catch(() => undefined);
  try {
    return await Promise.race([work, interrupted]);
  } finally {
    stop();
  }
}

/**
 * Runs the part of a command that takes an abort signal (a backup, restore or verify). Under
 * {@link runInterruptible} (every CLI command) it gets the command's signal; called on its own,
 * it listens to the process's signals for its duration.
 */
export async function withInterrupt<T>(io: CliIo, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const scope = scopes.getStore();
  if (!scope) return runInterruptible(processSignals(io), () => withInterrupt(io, fn));
  const { signal } = scope.controller;
  if (signal.aborted) throw signal.reason;
  scope.sections += 1;
  try {
    return await fn(signal);
  } finally {
    scope.sections -= 1;
  }
}
