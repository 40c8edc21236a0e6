#!/usr/bin/env node
import { runAsProcess } from './last-resort.js';

// libuv reads its threadpool size once, when work is first queued, so it is set before anything
// loads. A restore keeps one of the default 4 threads in fdatasync nearly all the time, and the
// objects' reads (open, stat, read, close each take a turn) waited behind the writes in the other
// three: with 16, a cold 1 GiB restore here took 1-7% less (medians of 4-6 interleaved runs, four
// comparisons); 8 or 32 threads gained less.
process.env.UV_THREADPOOL_SIZE ??= '16';
const { isMainThread } = await import('node:worker_threads');
const supervision = await import('./supervised-run.js');

// The command runs in a worker thread, so that the main thread can always act on SIGINT and SIGTERM.
if (isMainThread) supervision.superviseCommand(new URL(import.meta.url), process.argv.slice(2));
else {
  const { main } = await import('./main.js');
  const { argv, io, interrupts } = supervision.supervisedCommand();
  await runAsProcess(() => main(argv, io, { interrupts }));
  process.exit(Number(process.exitCode ?? 0));
}
