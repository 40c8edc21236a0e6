import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../src/memory-object-store.js';
import type { GetObjectOptions, ObjectStoreCapabilities } from '../src/object-store.js';
import { makeVolume, mutateVolume, sha256Hex } from '../src/testing/test-data.js';
import { backupBytes, KiB, makeDriver, restoreBytes } from './engine-helpers.js';

/** A memory store that declares it takes `limit` transfers at once, and records how many it got. */
class CountingStore extends MemoryObjectStore {
  override readonly capabilities: ObjectStoreCapabilities;
  private now = 0;
  most = 0;

  constructor(limit: number) {
    super();
    this.capabilities = { ...new MemoryObjectStore().capabilities, maxConcurrency: limit };
  }

  private async counted<T>(call: () => Promise<T>): Promise<T> {
    this.most = Math.max(this.most, ++this.now);
    try {
      await new Promise((r) => setTimeout(r, 1)); // long enough for other calls to overlap
      return await call();
    } finally {
      this.now--;
    }
  }

  override putObject(container: string, name: string, data: Uint8Array): Promise<void> {
    return this.counted(() => super.putObject(container, name, data));
  }

  override getObject(container: string, name: string, opts?: GetObjectOptions): Promise<Uint8Array> {
    return this.counted(() => super.getObject(container, name, opts));
  }

  /** Each delete as it was asked for, with how many calls were then in flight. */
  readonly deletes: { name: string; alongside: number }[] = [];
  override deleteObject(container: string, name: string): Promise<void> {
    this.deletes.push({ name, alongside: this.now });
    return this.counted(() => super.deleteObject(container, name));
  }
}

describe("the store's declared concurrency", () => {
  it.each([1, 2])('is never exceeded by backups (full and incremental) or restores: %i at once', async (limit) => {
    const store = new CountingStore(limit);
    const ctx = makeDriver({ objectSize: 64 * KiB, compression: 'none' }, store);
    const v0 = makeVolume(640 * KiB, 5);
    // Many small changes: an incremental's chunks then hold several objects each.
    const v1 = mutateVolume(v0, 6, 60);
    const b0 = await backupBytes(ctx, v0);
    const b1 = await backupBytes(ctx, v1, b0.record);
    expect(b1.kind).toBe('incremental');
    expect(sha256Hex(await restoreBytes(ctx, b1.record))).toBe(sha256Hex(v1));
    expect(store.most).toBe(limit);
  });

  it('deletes _metadata alone first, then the rest of a backup as many at once as allowed', async () => {
    const store = new CountingStore(3);
    const ctx = makeDriver({ objectSize: 64 * KiB, compression: 'none' }, store);
    const b = await backupBytes(ctx, makeVolume(512 * KiB, 7));
    store.most = 0;
    await ctx.driver.deleteBackup(b.record);
    expect(store.deletes[0]?.name).toMatch(/_metadata$/);
    expect(store.deletes[1]?.alongside).toBe(0); // _metadata was gone before the rest began
    // The data objects, _metadata, _sha256file and the delete's own removal marker.
    expect(store.deletes.length).toBe(b.record.objectCount + 3);
    expect(store.deletes.filter((d) => /_removing_/.test(d.name))).toHaveLength(1);
    expect(store.most).toBe(3);
  });
});
