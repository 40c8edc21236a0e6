/** A half-open byte range `[start, end)`. */
export interface Interval {
  start: number;
  end: number;
}

/**
 * A set of disjoint byte ranges. A restore walks objects newest first and keeps, for each,
 * only the bytes no newer object already covers: every byte of the volume is then written
 * exactly once, by the object that holds its final content.
 */
export class IntervalSet {
  private readonly ranges: Interval[] = [];

  /** Parts of `[start, end)` not yet in the set, in order; then adds `[start, end)` to the set. */
  claim(start: number, end: number): Interval[] {
    const free: Interval[] = [];
    let cursor = start;
    let i = this.firstEndingAfter(start);
    for (; i < this.ranges.length && cursor < end; i++) {
      const r = this.ranges[i] as Interval;
      if (r.start >= end) break;
      if (r.start > cursor) free.push({ start: cursor, end: Math.min(r.start, end) });
      cursor = Math.max(cursor, r.end);
    }
    if (cursor < end) free.push({ start: cursor, end });
    this.add(start, end);
    return free;
  }

  private add(start: number, end: number): void {
    if (start >= end) return;
    const first = this.firstEndingAfter(start - 1);
    let last = first;
    let s = start;
    let e = end;
    while (last < this.ranges.length && (this.ranges[last] as Interval).start <= end) {
      const r = this.ranges[last] as Interval;
      s = Math.min(s, r.start);
      e = Math.max(e, r.end);
      last++;
    }
    this.ranges.splice(first, last - first, { start: s, end: e });
  }

  /** Index of the first range whose end is greater than `pos` (binary search). */
  private firstEndingAfter(pos: number): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ranges[mid] as Interval).end > pos) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
