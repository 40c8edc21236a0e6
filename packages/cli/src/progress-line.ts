import type { ProgressEvent } from '@volback/core';
import { formatBytes } from './format.js';
import type { CliIo } from './io.js';

/** A single self-rewriting progress line on a terminal's stderr; silent when stderr is not a TTY. */
export function progressLine(io: CliIo): ((e: ProgressEvent) => void) | undefined {
  if (!io.stderr.isTTY) return undefined;
  const started = Date.now();
  let last = 0;
  return (e) => {
    const now = Date.now();
    if (!e.done && now - last < 200) return;
    last = now;
    const pct = e.bytesTotal > 0 ? Math.floor((e.bytesDone / e.bytesTotal) * 100) : 100;
    const secs = Math.max(0.001, (now - started) / 1000);
    io.stderr.write(
      `\r${e.operation} ${pct}%  ${formatBytes(e.bytesDone)} / ${formatBytes(e.bytesTotal)}  ${formatBytes(e.bytesDone / secs)}/s  ${e.objectsDone} objects${e.done ? '\n' : ''}`,
    );
  };
}
