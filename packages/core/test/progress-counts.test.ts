import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../src/progress.js';
import { BufferRestoreTarget } from '../src/restore-target.js';
import { SeededRandom } from '../src/testing/test-data.js';
import { backupBytes, KiB, makeDriver } from './engine-helpers.js';

const OBJECT = 256 * KiB;
const BLOCK = 32 * KiB;
const TAIL = 1000;
const SIZE = 16 * OBJECT + TAIL;

/**
 * Random data with known zeros: objects 3, 7 and 8 all zero, and 128 KiB of zeros inside object
 * 10 (two of the restore's 64 KiB hole pieces, but not a zero object for a backup).
 */
function volumeWithZeros(): Uint8Array {
  const v = new SeededRandom(7).bytes(SIZE);
  for (const o of [3, 7, 8]) v.fill(0, o * OBJECT, (o + 1) * OBJECT);
  v.fill(0, 10 * OBJECT + 64 * KiB, 10 * OBJECT + 192 * KiB);
  return v;
}

/** The incremental's changes: block 5 altered, blocks 40-41 zeroed (a zero object), the short last block altered. */
function changed(v0: Uint8Array): { v1: Uint8Array; changedBytes: number } {
  const v1 = new Uint8Array(v0);
  v1[5 * BLOCK + 17] = (v1[5 * BLOCK + 17] as number) ^ 0xff;
  v1.fill(0, 40 * BLOCK, 42 * BLOCK);
  v1[SIZE - 1] = (v1[SIZE - 1] as number) ^ 0xff;
  return { v1, changedBytes: BLOCK + 2 * BLOCK + TAIL };
}

function recorder(): { events: ProgressEvent[]; onProgress: (e: ProgressEvent) => void } {
  const events: ProgressEvent[] = [];
  return { events, onProgress: (e) => events.push({ ...e }) };
}

/** The last event, after checking that no count ever went down and that only the last is done. */
function finalEvent(events: ProgressEvent[]): ProgressEvent {
  const counts = ['bytesDone', 'objectsDone', 'bytesTransferred', 'zeroBytes', 'unchangedBytes'] as const;
  for (let i = 1; i < events.length; i++) {
    for (const k of counts) expect(events[i]?.[k], `${k} at event ${i}`).toBeGreaterThanOrEqual(events[i - 1]?.[k] as number);
  }
  expect(events.filter((e) => e.done)).toHaveLength(1);
  const last = events.at(-1) as ProgressEvent;
  expect(last.done).toBe(true);
  expect(last.bytesDone).toBe(last.bytesTotal);
  return last;
}

describe('progress counts of skipped work', () => {
  it('count zero objects of a backup, holes of a restore, and the blocks an incremental did not store', async () => {
    const ctx = makeDriver({ objectSize: OBJECT, hashBlockSize: BLOCK });
    const v0 = volumeWithZeros();

    const full = recorder();
    const b0 = await backupBytes(ctx, v0, undefined, { onProgress: full.onProgress });
    expect(finalEvent(full.events)).toMatchObject({ operation: 'backup', zeroBytes: 3 * OBJECT, unchangedBytes: 0 });
    // The result says the same, for a caller that watches no progress.
    expect(b0).toMatchObject({ zeroBytes: 3 * OBJECT, unchangedBytes: 0 });

    const restoreFull = recorder();
    const r0 = await ctx.driver.restore(b0.record, 'v', new BufferRestoreTarget(), { onProgress: restoreFull.onProgress });
    expect(r0.zeroBytes).toBe(3 * OBJECT + 128 * KiB);
    // Zero objects, and the zero pieces inside object 10.
    expect(finalEvent(restoreFull.events)).toMatchObject({ operation: 'restore', zeroBytes: 3 * OBJECT + 128 * KiB, unchangedBytes: 0 });

    const { v1, changedBytes } = changed(v0);
    const incr = recorder();
    const b1 = await backupBytes(ctx, v1, b0.record, { onProgress: incr.onProgress });
    expect(b1.kind).toBe('incremental');
    expect(finalEvent(incr.events)).toMatchObject({ zeroBytes: 2 * BLOCK, unchangedBytes: SIZE - changedBytes });
    expect(b1).toMatchObject({ zeroBytes: 2 * BLOCK, unchangedBytes: SIZE - changedBytes });

    const restoreIncr = recorder();
    const into = new BufferRestoreTarget();
    await ctx.driver.restore(b1.record, 'v', into, { onProgress: restoreIncr.onProgress });
    expect(Buffer.from(into.data).equals(Buffer.from(v1))).toBe(true);
    expect(finalEvent(restoreIncr.events).zeroBytes).toBe(3 * OBJECT + 2 * BLOCK + 128 * KiB);

    const verify = recorder();
    await ctx.driver.verify(b1.record, { onProgress: verify.onProgress });
    expect(finalEvent(verify.events)).toMatchObject({ operation: 'verify', zeroBytes: 0, unchangedBytes: 0 });
  });
});
