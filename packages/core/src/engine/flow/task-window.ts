/**
 * Runs async tasks with at most `limit` in flight. `run` waits for a free slot, so a producer
 * that awaits it cannot get ahead of its consumers: memory stays bounded by the window. The first
 * failure is kept and rethrown by `run` and `drain`, and stops new tasks.
 */
export class TaskWindow {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: { error: unknown } | null = null;

  constructor(private readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError('TaskWindow limit must be at least 1');
  }

  /** Resolves once a slot is free (or throws the first failure), e.g. before allocating for the next task. */
  async waitForSlot(): Promise<void> {
    while (this.inFlight.size >= this.limit) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  /** Starts `task` once a slot is free. Resolves when it has started, not when it ends. */
  async run(task: () => Promise<void>): Promise<void> {
    await this.waitForSlot();
    const p: Promise<void> = task()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Waits for every started task; rethrows the first failure. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  /** Waits for every started task and ignores failures: for cleanup paths. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
