/** At most `count` holders at once; the others wait in line. For a resource lent per task, such as a buffer. */
export class Slots {
  private free: number;
  private readonly line: (() => void)[] = [];

  constructor(count: number) {
    if (!(count >= 1)) throw new RangeError('Slots: count must be at least 1');
    this.free = count;
  }

  /** Runs `task` once a slot is free, and frees the slot when it settles. */
  async use<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.line.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.line.shift();
      if (next) next();
      else this.free++;
    }
  }
}
