import { createReadStream, rmSync, type ReadStream } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { EXIT_CODES } from './exit-codes.js';
import type { InterruptSource } from './interrupt.js';
import type { CliIo } from './io.js';

/**
 * The `volback` command runs in a worker thread, watched by the main thread. Signals reach only
 * the main thread's event loop, and a command stuck in a loop of microtasks (or waiting on I/O
 * that never ends) never lets its own thread see them: the main thread always can. The first
 * SIGINT or SIGTERM asks the command to stop and clean up; a second one, or the command still
 * running {@link GRACE_MS} later, ends the process at once, after removing the files the command
 * registered with {@link removeOnForcedExit}.
 */
const GRACE_MS = 5000;

/** The statuses a command ends with on purpose. */
const KNOWN_STATUSES = new Set<number>([0, ...Object.values(EXIT_CODES)]);

/** Marks the worker's data, so a worker started by someone else is never taken for ours. */
const KEY = 'volback.supervised-run';

interface RunData {
  argv: string[];
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  stdoutColumns: number | undefined;
  /** Only the main thread's stderr knows the terminal's width. */
  stderrColumns: number | undefined;
}

type ToCommand = { type: 'interrupt'; signal: NodeJS.Signals };
type ToSupervisor = { type: 'cleanup'; path: string; active: boolean } | { type: 'output'; stream: 'stdout' | 'stderr'; text: string };

/** Main thread: runs the command line in a worker and sets the exit status, or ends the process on a stop that did not work. */
export function superviseCommand(entry: URL, argv: string[]): void {
  const data: RunData = {
    argv,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    stdoutColumns: process.stdout.columns,
    stderrColumns: process.stderr.columns,
  };
  const worker = new Worker(entry, { workerData: { [KEY]: data }, name: 'volback' });
  const toRemove = new Set<string>();
  let interrupted: NodeJS.Signals | null = null;
  let grace: NodeJS.Timeout | undefined;

  const forceExit = (why: string): void => {
    for (const path of toRemove) {
      try {
        rmSync(path, { force: true });
      } catch {
        // Best effort: the process ends whatever remains.
      }
    }
    process.stderr.write(`volback: ${why}: stopped without waiting${toRemove.size > 0 ? ' (partial files removed)' : ''}\n`);
    endInterrupted();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return forceExit(`${signal} again`);
    interrupted = signal;
    process.stderr.write(`\n${signal}: stopping, cleaning up… (again to stop at once)\n`);
    worker.postMessage({ type: 'interrupt', signal } satisfies ToCommand);
    grace = setTimeout(() => forceExit(`still running ${GRACE_MS / 1000} s after ${signal}`), GRACE_MS);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A reader that went away (`volback list | head`) must neither crash the CLI with a stack trace
  // nor cut short the command's work (a backup in progress): what it prints then goes nowhere.
  for (const out of [process.stdout, process.stderr]) {
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }

  worker.on('message', (m: ToSupervisor) => {
    if (m?.type === 'output') (m.stream === 'stdout' ? process.stdout : process.stderr).write(m.text);
    if (m?.type !== 'cleanup') return;
    if (m.active) toRemove.add(m.path);
    else toRemove.delete(m.path);
  });
  let crashed = false;
  worker.on('error', (err) => {
    crashed = true;
    process.stderr.write(`volback: unexpected error: ${err?.stack ?? String(err)}\n`);
  });
  worker.on('exit', async (code) => {
    // What the command printed reaches this thread's stdout and stderr first.
    await Promise.all([ended(worker.stdout), ended(worker.stderr)]);
    clearTimeout(grace);
    if (interrupted && code === 130) return endInterrupted();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!crashed && !KNOWN_STATUSES.has(code)) {
      // Node's own statuses (13: the command's work was lost and its thread ran dry) are a bug too.
      process.stderr.write(`volback: unexpected error (a bug, please report it): the command's thread ended with status ${code}\n`);
      crashed = true;
    }
    process.exitCode = crashed ? EXIT_CODES.E_UNEXPECTED : code;
  });
}

/**
 * Ends the process as interrupted: by SIGINT, which the shell reports as 130. `process.exit`
 * would wait for the thread pool, and a thread blocked in I/O (a FIFO nobody opens) never returns.
 */
function endInterrupted(): never {
  process.removeAllListeners('SIGINT');
  process.kill(process.pid, 'SIGINT');
  process.exit(130);
}

function ended(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve) => {
    if ((stream as { readableEnded?: boolean }).readableEnded) return resolve();
    stream.once('end', resolve);
    stream.once('close', resolve);
  });
}

/** Worker thread: the command line, its output, and the interrupts the supervisor forwards. */
export function supervisedCommand(): { argv: string[]; io: CliIo; interrupts: InterruptSource } {
  const data = supervisedData();
  if (!data || !parentPort) throw new Error('supervisedCommand() runs only in the worker that superviseCommand() starts');
  const port = parentPort;
  // The worker's own stdin is fed only by its parent: the command reads the process's fd 0 itself.
  let stdin: ReadStream | undefined;
  Object.defineProperty(process, 'stdin', {
    configurable: true,
    enumerable: true,
    get: () => (stdin ??= createReadStream('', { fd: 0, autoClose: false })),
  });
  // Through the one port, not the worker's process.stdout and process.stderr: those are two
  // streams that each wait for the main thread's go-ahead, so a line erased on stderr could reach a
  // shared terminal after the summary printed next on stdout. One port keeps the order written,
  // and what is posted before the thread exits is delivered before its 'exit' event.
  const output = (stream: 'stdout' | 'stderr') => (text: string) =>
    port.postMessage({ type: 'output', stream, text } satisfies ToSupervisor);
  const io: CliIo = {
    stdout: { write: output('stdout'), isTTY: data.stdoutIsTTY, ...(data.stdoutColumns ? { columns: data.stdoutColumns } : {}) },
    stderr: { write: output('stderr'), isTTY: data.stderrIsTTY, columns: data.stderrColumns },
    env: process.env,
  };
  const interrupts: InterruptSource = (onInterrupt) => {
    const listener = (m: ToCommand): void => {
      if (m?.type === 'interrupt') onInterrupt(m.signal);
    };
    port.on('message', listener);
    // Listening must not keep the thread alive: a command whose work was lost has to end (and be reported), not wait.
    port.unref();
    return () => {
      port.off('message', listener);
    };
  };
  return { argv: data.argv, io, interrupts };
}

/**
 * Registers a file for the supervisor to remove if it has to end the process before the command
 * cleans up (a restore's partial file, a running backup's marker); call the result once the
 * command has removed it or made it permanent. Nothing to do when the command runs in-process.
 */
export function removeOnForcedExit(path: string): () => void {
  if (!supervisedData() || !parentPort) return () => undefined;
  const port = parentPort;
  port.postMessage({ type: 'cleanup', path, active: true } satisfies ToSupervisor);
  return () => port.postMessage({ type: 'cleanup', path, active: false } satisfies ToSupervisor);
}

function supervisedData(): RunData | undefined {
  if (isMainThread) return undefined;
  return (workerData as Record<string, RunData> | null)?.[KEY];
}
