/**
 * A counting semaphore: at most `count` tasks hold it at once, the others wait in line, first
 * come first served. For a resource lent per task, such as a buffer or a store connection.
 */
export class Semaphore {
  private free: number;
  private readonly line: (() => void)[] = [];

  constructor(count: number) {
    if (!(count >= 1)) throw new RangeError('Semaphore: count must be at least 1');
    this.free = count;
  }

  /** Runs `task` once a permit is free, and frees the permit when it settles. */
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
