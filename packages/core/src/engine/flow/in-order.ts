/**
 * Lets tasks that finish in any order take turns in their start order: `turn(i)` resolves once
 * every turn before `i` has been released. A failed task releases its turn too, so nothing waits
 * forever; later tasks see the failure from their own window.
 */
export class InOrder {
  private readonly released: (() => void)[] = [];
  private readonly turns: Promise<void>[] = [Promise.resolve()];

  /** Waits for the turn of task `i` (0, 1, 2, … in order of creation). */
  turn(i: number): Promise<void> {
    this.ensure(i);
    return this.turns[i] as Promise<void>;
  }

  /** Ends task `i`'s turn, letting task `i + 1` go. */
  release(i: number): void {
    this.ensure(i + 1);
    this.released[i]?.();
  }

  private ensure(i: number): void {
    while (this.turns.length <= i) {
      const n = this.turns.length;
      this.turns.push(new Promise<void>((resolve) => (this.released[n - 1] = resolve)));
    }
  }
}
