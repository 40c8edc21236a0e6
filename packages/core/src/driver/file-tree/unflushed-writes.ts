/** The background work a container's `flush` must wait for. */
interface Batch {
  readonly syncs: Promise<unknown>[];
  readonly dirs: Set<string>;
}

/**
 * Background fsyncs of objects put with `flushLater`, by container, until `flush`: the disk
 * catches up while the engine goes on. The object is named before it is durable, but no backup
 * refers to it until its `_metadata`, which is written after the flush.
 */
export class UnflushedWrites {
  private readonly batches = new Map<string, Batch>();

  /** Records `sync`, the background fsync of a file put into `dir` of `container`. */
  add(container: string, dir: string, sync: Promise<unknown>): void {
    // Awaited by flush; never an unhandled rejection before that.
    sync.catch(() => undefined);
    const batch = this.batches.get(container) ?? { syncs: [], dirs: new Set<string>() };
    this.batches.set(container, batch);
    batch.syncs.push(sync);
    batch.dirs.add(dir);
  }

  /**
   * Waits for every fsync recorded for `container`, then syncs each directory with `syncDir`.
   * The first failure is thrown, and the batch is kept: a retried flush fails the same way rather
   * than passing with nothing left to wait for.
   */
  async flush(container: string, syncDir: (dir: string) => Promise<void>): Promise<void> {
    // Taken out whole: puts that arrive while this waits start a batch of their own.
    const batch = this.batches.get(container);
    if (!batch) return;
    this.batches.delete(container);
    try {
      const failure = (await Promise.allSettled(batch.syncs)).find((r) => r.status === 'rejected');
      if (failure) throw failure.reason;
      for (const dir of batch.dirs) await syncDir(dir);
    } catch (err) {
      const later = this.batches.get(container);
      this.batches.set(container, {
        syncs: [...batch.syncs, ...(later?.syncs ?? [])],
        dirs: new Set([...batch.dirs, ...(later?.dirs ?? [])]),
      });
      throw err;
    }
  }
}
