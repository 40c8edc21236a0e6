import type { ProgressEvent, ProgressListener } from '@volback/core';
import type { CliIo } from './io.js';
import type { OutputMode } from './output-mode.js';
import { progressFrame } from './progress-frame.js';
import { RecentRate } from './recent-rate.js';

/** Frames drawn (or events printed) at most this often: the engine reports every object. */
const FRAME_MS = 200;
/** The width assumed of a terminal that does not say. */
const DEFAULT_COLUMNS = 80;
/** Back to the start of the line, and erase what a longer frame left to the right of the cursor. */
const CARRIAGE_RETURN = '\r';
const ERASE_TO_END = '\x1b[K';

/** What a command gives the engine to report progress, and what it learns from it. */
export interface ProgressReporter {
  /** The listener to pass as `onProgress`. */
  readonly onProgress: ProgressListener;
  /** The last event seen, for the summary's counts; undefined before the first. */
  last(): ProgressEvent | undefined;
  /** Ends the display: erases a progress line that is showing, so what is printed next starts a clean line. */
  stop(): void;
}

/**
 * Progress the way the output options and stderr call for:
 * - `--quiet`: none.
 * - `--json`: one JSON event a line on stderr (stdout keeps the result document alone).
 * - stderr a terminal: one line redrawn in place, never wider than the terminal.
 * - otherwise nothing, or with `--verbose` a plain line every 10%.
 * The first event and the last (`done`) are always shown; the others at most every {@link FRAME_MS}.
 */
export function progressReporter(io: CliIo, output: OutputMode, now: () => number = () => performance.now()): ProgressReporter {
  const display = output.quiet ? 'none' : output.json ? 'events' : io.stderr.isTTY ? 'line' : output.verbose ? 'steps' : 'none';
  // One column short of the width: a line that fills the last column leaves some terminals waiting to wrap.
  const width = Math.max(1, (io.stderr.columns || DEFAULT_COLUMNS) - 1);
  const started = now();
  const rate = new RecentRate();
  let last: ProgressEvent | undefined;
  let shownAt: number | undefined;
  let lineShowing = false;
  let stepShown = -1;
  let stopped = false;

  const estimates = (e: ProgressEvent) => ({ bytesPerSecond: rate.perSecond(), etaSeconds: e.done ? 0 : rate.secondsUntil(e.bytesTotal) });
  const onProgress: ProgressListener = (e) => {
    last = e;
    if (stopped || display === 'none') return;
    const at = now();
    if (!e.done && shownAt !== undefined && at - shownAt < FRAME_MS) return;
    shownAt = at;
    rate.sample(at, e.bytesDone);
    if (display === 'events') {
      io.stderr.write(`${JSON.stringify(progressEventJson(e, (at - started) / 1000))}\n`);
    } else if (display === 'line') {
      io.stderr.write(CARRIAGE_RETURN + progressFrame(e, estimates(e), width) + ERASE_TO_END);
      lineShowing = true;
    } else {
      const step = e.bytesTotal > 0 ? Math.floor((e.bytesDone / e.bytesTotal) * 10) : 10;
      if (step <= stepShown && !e.done) return;
      stepShown = step;
      io.stderr.write(`${progressFrame(e, estimates(e), Number.POSITIVE_INFINITY)}\n`);
    }
  };
  return {
    onProgress,
    last: () => last,
    stop() {
      stopped = true;
      if (lineShowing) io.stderr.write(CARRIAGE_RETURN + ERASE_TO_END);
      lineShowing = false;
    },
  };
}

/** A `--json` progress event: the engine's fields, named as they are, and the seconds since the command began. */
function progressEventJson(e: ProgressEvent, elapsedSeconds: number): Record<string, unknown> {
  return {
    event: 'progress',
    operation: e.operation,
    backupId: e.backupId,
    bytesDone: e.bytesDone,
    bytesTotal: e.bytesTotal,
    objectsDone: e.objectsDone,
    bytesTransferred: e.bytesTransferred,
    zeroBytes: e.zeroBytes,
    unchangedBytes: e.unchangedBytes,
    elapsedSeconds: Math.round(elapsedSeconds * 1000) / 1000,
    done: e.done,
  };
}
