import type { ProgressEvent } from '@volback/core';
import { describe, expect, it } from 'vitest';
import { clockTime } from '../src/clock-time.js';
import type { CliIo } from '../src/io.js';
import { progressFrame } from '../src/progress-frame.js';
import { progressReporter } from '../src/progress-reporter.js';
import { RecentRate } from '../src/recent-rate.js';

const MiB = 1024 * 1024;

function event(bytesDone: number, extra: Partial<ProgressEvent> = {}): ProgressEvent {
  return {
    operation: 'backup',
    backupId: 'b-1',
    bytesDone,
    bytesTotal: 100 * MiB,
    objectsDone: Math.floor(bytesDone / MiB),
    bytesTransferred: bytesDone / 2,
    zeroBytes: 0,
    unchangedBytes: 0,
    done: bytesDone === 100 * MiB,
    ...extra,
  };
}

/** A CliIo that records stderr, on a terminal of `columns` or not, and a clock the test moves. */
function harness(isTTY: boolean, columns?: number) {
  let stderr = '';
  let ms = 0;
  const io: CliIo = {
    stdout: { write: () => undefined },
    stderr: { write: (t: string) => (stderr += t), isTTY, ...(columns ? { columns } : {}) },
    env: {},
  };
  return {
    io,
    stderr: () => stderr,
    clock: () => ms,
    advance: (by: number) => {
      ms += by;
    },
  };
}

describe('clockTime', () => {
  it('shows m:ss under an hour and h:mm:ss beyond, rounding up', () => {
    expect(clockTime(0)).toBe('0:00');
    expect(clockTime(4.2)).toBe('0:05');
    expect(clockTime(75)).toBe('1:15');
    expect(clockTime(3725)).toBe('1:02:05');
  });
});

describe('RecentRate', () => {
  it('knows no rate until its samples span a second, then follows the last seconds, not the average since the start', () => {
    const rate = new RecentRate();
    rate.sample(0, 0);
    rate.sample(500, 50 * MiB);
    expect(rate.perSecond()).toBeUndefined();
    expect(rate.secondsUntil(100 * MiB)).toBeUndefined();
    // A fast first second, then ten slow ones at 1 MiB/s.
    rate.sample(1000, 60 * MiB);
    for (let s = 2; s <= 11; s++) rate.sample(s * 1000, (60 + s - 1) * MiB);
    expect(rate.perSecond()).toBe(MiB);
    expect(rate.secondsUntil(100 * MiB)).toBe(30);
  });
});

describe('progressFrame', () => {
  const full = event(42 * MiB, { zeroBytes: 30 * MiB, unchangedBytes: 10 * MiB });
  const estimates = { bytesPerSecond: 3 * MiB, etaSeconds: 20 };

  it('shows operation, percent, bytes, rate, ETA, objects, zero and unchanged bytes when there is room', () => {
    expect(progressFrame(full, estimates, 200)).toBe(
      'backup  42%  42.0 MiB / 100.0 MiB  3.00 MiB/s  ETA 0:20  42 objects  30.0 MiB zero  10.0 MiB unchanged',
    );
    expect(progressFrame(event(0), { bytesPerSecond: undefined, etaSeconds: undefined }, 200)).toBe(
      'backup   0%  0 B / 100.0 MiB  --/s  ETA --:--  0 objects',
    );
  });

  it('drops the least useful fields first to fit, and never exceeds the width', () => {
    expect(progressFrame(full, estimates, 59)).toBe('backup  42%  42.0 MiB / 100.0 MiB  3.00 MiB/s  ETA 0:20');
    expect(progressFrame(full, estimates, 45)).toBe('backup  42%  42.0 MiB / 100.0 MiB  ETA 0:20');
    expect(progressFrame(full, estimates, 30)).toBe('backup  42%  ETA 0:20');
    for (let width = 1; width <= 120; width++) expect(progressFrame(full, estimates, width).length).toBeLessThanOrEqual(width);
  });
});

describe('progressReporter', () => {
  it('on a terminal: redraws one line with an erase, at most every 200 ms but always the first and the last, and erases it on stop', () => {
    const h = harness(true, 50);
    const p = progressReporter(h.io, { json: false, quiet: false, verbose: false }, h.clock);
    p.onProgress(event(0));
    h.advance(100);
    p.onProgress(event(10 * MiB)); // too soon: not drawn
    h.advance(150);
    p.onProgress(event(20 * MiB));
    h.advance(1);
    p.onProgress(event(100 * MiB));
    const frames = h.stderr().split('\r').filter(Boolean);
    expect(frames).toEqual([
      'backup   0%  0 B / 100.0 MiB  --/s  ETA --:--\x1b[K',
      'backup  20%  20.0 MiB / 100.0 MiB  ETA --:--\x1b[K',
      'backup 100%  100.0 MiB / 100.0 MiB  ETA 0:00\x1b[K',
    ]);
    // One column short of the terminal's 50.
    for (const f of frames) expect(f.replace('\x1b[K', '').length).toBeLessThanOrEqual(49);
    p.stop();
    expect(h.stderr().endsWith('\r\x1b[K')).toBe(true);
    expect(p.last()?.done).toBe(true);
  });

  it('not on a terminal: prints nothing, or with --verbose a plain line for each tenth', () => {
    const quiet = harness(false);
    const silent = progressReporter(quiet.io, { json: false, quiet: false, verbose: false }, quiet.clock);
    const loud = harness(false);
    const verbose = progressReporter(loud.io, { json: false, quiet: false, verbose: true }, loud.clock);
    for (let mib = 0; mib <= 100; mib += 5) {
      for (const [h, p] of [
        [quiet, silent],
        [loud, verbose],
      ] as const) {
        h.advance(300);
        p.onProgress(event(mib * MiB));
      }
    }
    silent.stop();
    verbose.stop();
    expect(quiet.stderr()).toBe('');
    expect(silent.last()?.done).toBe(true);
    const lines = loud.stderr().trimEnd().split('\n');
    expect(lines.map((l) => /^backup +(\d+)%/.exec(l)?.[1])).toEqual(['0', '10', '20', '30', '40', '50', '60', '70', '80', '90', '100']);
    expect(loud.stderr()).not.toContain('\r');
  });

  it('--json: one JSON event a line, throttled alike, whether stderr is a terminal or not', () => {
    for (const isTTY of [true, false]) {
      const h = harness(isTTY);
      const p = progressReporter(h.io, { json: true, quiet: false, verbose: false }, h.clock);
      p.onProgress(event(0));
      h.advance(50);
      p.onProgress(event(50 * MiB));
      h.advance(1500);
      p.onProgress(event(100 * MiB, { zeroBytes: 5 }));
      p.stop();
      const events = h
        .stderr()
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(events).toEqual([
        { ...event(0), event: 'progress', elapsedSeconds: 0 },
        { ...event(100 * MiB, { zeroBytes: 5 }), event: 'progress', elapsedSeconds: 1.55 },
      ]);
      expect(Object.keys(events[0])).toEqual([
        'event',
        'operation',
        'backupId',
        'bytesDone',
        'bytesTotal',
        'objectsDone',
        'bytesTransferred',
        'zeroBytes',
        'unchangedBytes',
        'elapsedSeconds',
        'done',
      ]);
    }
  });

  it('--quiet: nothing, even on a terminal and with --json', () => {
    const h = harness(true);
    const p = progressReporter(h.io, { json: true, quiet: true, verbose: true }, h.clock);
    p.onProgress(event(0));
    p.onProgress(event(100 * MiB));
    p.stop();
    expect(h.stderr()).toBe('');
    expect(p.last()?.bytesDone).toBe(100 * MiB);
  });
});
