#!/usr/bin/env node
import { spawn } from 'node:child_process';

/**
 * Backups and restores pass buffers of several MiB between threads. After the first such buffer
 * is freed, glibc raises its mmap threshold and then keeps freed buffers in per-thread arenas,
 * so the resident size grows far past what is in use. A fixed threshold returns them at once;
 * it is read only at process start, so the CLI runs itself once more with it set.
 */
const MALLOC_ENV = 'MALLOC_MMAP_THRESHOLD_';

if (process.platform === 'linux' && process.env[MALLOC_ENV] === undefined) {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [MALLOC_ENV]: String(128 * 1024) },
  });
  // Ctrl-C reaches the child through the terminal; a signal sent to this process alone is passed on.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exitCode = code ?? 1;
  });
} else {
  // Loaded only here, so the re-executing parent stays a bare node process.
  const { main } = await import('./main.js');
  process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
}
