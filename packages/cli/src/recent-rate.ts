/** How far back the rate looks: long enough to smooth bursts, short enough to follow a change of pace. */
const WINDOW_MS = 5000;
/** A rate over less time than this says little, and an ETA from it jumps about. */
const MIN_SPAN_MS = 1000;

/**
 * The rate of the last few seconds, from samples of a growing count: an average since the start
 * would still carry a slow start (or a fast zero region) long after it ended.
 */
export class RecentRate {
  private readonly samples: { at: number; count: number }[] = [];

  /** Records `count` (which only grows) as it stood at `at` milliseconds. */
  sample(at: number, count: number): void {
    this.samples.push({ at, count });
    // The oldest sample kept is the last one at least a window old, so the span covers the window.
    while (this.samples.length > 2 && at - (this.samples[1] as { at: number }).at >= WINDOW_MS) this.samples.shift();
  }

  /** Counts per second over the window; undefined until the samples span long enough to tell. */
  perSecond(): number | undefined {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < MIN_SPAN_MS) return undefined;
    return ((last.count - first.count) * 1000) / (last.at - first.at);
  }

  /** Seconds until `total` at the recent rate; undefined while the rate is unknown or nil. */
  secondsUntil(total: number): number | undefined {
    const rate = this.perSecond();
    const last = this.samples.at(-1);
    if (rate === undefined || rate <= 0 || !last) return undefined;
    return Math.max(0, total - last.count) / rate;
  }
}
