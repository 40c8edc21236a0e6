import type { ProgressEvent } from '@volback/core';
import { clockTime } from './clock-time.js';
import { formatBytes } from './format.js';

/** What a frame shows besides the event itself: the recent rate, and the ETA it gives. */
export interface FrameEstimates {
  /** Volume bytes per second lately; undefined until known. */
  bytesPerSecond: number | undefined;
  /** Seconds left at that rate; undefined until meaningful. */
  etaSeconds: number | undefined;
}

/**
 * The text of one progress line, at most `width` characters, all ASCII so that characters are
 * columns: `backup  42%  840 MiB / 2.00 GiB  335 MiB/s  ETA 0:03  105 objects  300 MiB zero`.
 * On a narrow terminal the least useful fields go first (unchanged, zero, objects, rate, bytes),
 * the rest keep their order.
 */
export function progressFrame(e: ProgressEvent, estimates: FrameEstimates, width: number): string {
  const pct = e.bytesTotal > 0 ? Math.floor((e.bytesDone / e.bytesTotal) * 100) : 100;
  const rate = estimates.bytesPerSecond;
  const eta = estimates.etaSeconds;
  // In the order shown, each with its rank: the lower, the longer it stays.
  const fields: { text: string; rank: number }[] = [
    { text: `${e.operation} ${String(pct).padStart(3)}%`, rank: 0 },
    { text: `${formatBytes(e.bytesDone)} / ${formatBytes(e.bytesTotal)}`, rank: 2 },
    { text: rate === undefined ? '--/s' : `${formatBytes(Math.round(rate))}/s`, rank: 3 },
    { text: `ETA ${eta === undefined ? '--:--' : clockTime(eta)}`, rank: 1 },
    { text: `${e.objectsDone} object${e.objectsDone === 1 ? '' : 's'}`, rank: 4 },
  ];
  if (e.zeroBytes > 0) fields.push({ text: `${formatBytes(e.zeroBytes)} zero`, rank: 5 });
  if (e.unchangedBytes > 0) fields.push({ text: `${formatBytes(e.unchangedBytes)} unchanged`, rank: 6 });

  const line = (): string => fields.map((f) => f.text).join('  ');
  while (fields.length > 1 && line().length > width) {
    const worst = fields.reduce((a, b) => (b.rank > a.rank ? b : a));
    fields.splice(fields.indexOf(worst), 1);
  }
  return line().slice(0, Math.max(0, width));
}
