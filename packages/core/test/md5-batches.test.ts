import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Md5Batches } from '../src/engine/hashing/md5-batches.js';
import { Md5Lanes, MD5_LANES_SCRATCH_BYTES } from '../src/engine/hashing/md5-lanes/index.js';
import { SharedArena } from '../src/engine/memory/shared-arena.js';
import { SeededRandom } from '../src/testing/test-data.js';

const KiB = 1024;

/** An arena with room for the lanes' scratch, and `count` random slots of ~`size` bytes (lengths differ). */
function setup(count: number, size = 96 * KiB) {
  const arena = new SharedArena(size, count, MD5_LANES_SCRATCH_BYTES);
  const views = Array.from({ length: count }, (_, i) => new SeededRandom(i).fill(arena.take(size - 7 * i)));
  return { lanes: new Md5Lanes(arena.memory, 0), views };
}

const nodeMd5 = (v: Uint8Array) => createHash('md5').update(v).digest('hex');

/** Which of the promises have settled, after the microtasks queued so far have run. */
async function settled(promises: Promise<unknown>[]): Promise<boolean[]> {
  const done = promises.map(() => false);
  promises.forEach((p, i) => void p.then(() => (done[i] = true)));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('Md5Batches', () => {
  it('hashes in batches of `size`, and the rest once every expected message asked', async () => {
    const { lanes, views } = setup(6);
    const batches = new Md5Batches(lanes, 6, 4);
    const first = views.slice(0, 3).map((v) => batches.digest(v));
    expect(await settled(first)).toEqual([false, false, false]);
    const fourth = batches.digest(views[3] as Uint8Array);
    expect(await settled([...first, fourth])).toEqual([true, true, true, true]);
    const fifth = batches.digest(views[4] as Uint8Array);
    expect(await settled([fifth])).toEqual([false]);
    const sixth = batches.digest(views[5] as Uint8Array);
    const digests = await Promise.all([...first, fourth, fifth, sixth]);
    expect(digests).toEqual(views.map(nodeMd5));
  });

  it('does not wait for a message that was skipped, nor after a flush', async () => {
    const { lanes, views } = setup(5);
    const skipping = new Md5Batches(lanes, 4, 4);
    const asked = views.slice(0, 3).map((v) => skipping.digest(v));
    expect(await settled(asked)).toEqual([false, false, false]);
    skipping.skip(); // the fourth chunk's read failed
    expect(await Promise.all(asked)).toEqual(views.slice(0, 3).map(nodeMd5));

    const flushing = new Md5Batches(lanes, 5, 4);
    const two = views.slice(3, 5).map((v) => flushing.digest(v));
    expect(await settled(two)).toEqual([false, false]);
    flushing.flush();
    expect(await Promise.all(two)).toEqual(views.slice(3, 5).map(nodeMd5));
  });
});
