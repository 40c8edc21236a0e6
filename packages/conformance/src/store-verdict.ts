/**
 * What the ObjectStore group found, for the groups that run the engine over the same store.
 * A store that fails its own contract fails the engine's tests too, each with a message about
 * the consequence (a restore's E_INTEGRITY, a missing object) rather than the cause: those
 * groups then report the failed tests once, by name, and skip the rest. Test runners have no
 * dependencies between tests, so the groups share this instead; they run in registration order.
 */
export class StoreVerdict {
  private readonly failed: string[] = [];
  private ran = 0;
  /** Set when the ObjectStore group is registered: only then is there a verdict to wait for. */
  expected = false;

  /** Records one ObjectStore test's outcome. */
  record(testName: string, passed: boolean): void {
    this.ran++;
    if (!passed) this.failed.push(testName);
  }

  /** Why a dependent test is skipped, or null when it may run (the store passed, or was not tested). */
  readonly gate = (): string | null =>
    this.failed.length === 0
      ? null
      : `the store failed its ObjectStore contract (${this.quoted()}): this test would fail only as a consequence`;

  /** The dependent groups' one report of a failed store; a skip when the ObjectStore group did not run. */
  check(skip: (note: string) => void): void {
    if (this.ran === 0) return skip('the ObjectStore group did not run');
    if (this.failed.length > 0) throw new Error(`the store's ObjectStore contract failed: see ${this.quoted()}`);
  }

  private quoted(): string {
    return this.failed.map((n) => JSON.stringify(n)).join(', ');
  }
}
