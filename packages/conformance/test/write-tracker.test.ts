import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { trackWrites } from '../src/write-tracker.js';
import { TestMemoryStore } from './memory-store.js';

const target = { name: 'tracked' };

describe('the suite cleans up what it wrote', () => {
  it('deletes the objects put and not deleted through the store, and nothing else', async () => {
    const store = new TestMemoryStore();
    await store.ensureContainer('c');
    await store.putObject('c', 'users-own', new Uint8Array([1]));
    const tracked = trackWrites(store, target);
    await tracked.store.ensureContainer('c');
    await tracked.store.putObject('c', 'a', new Uint8Array([2]));
    await tracked.store.putObject('c', 'b', new Uint8Array([3]));
    await tracked.store.deleteObject('c', 'b');
    await tracked.store.putObject('d', 'x', new Uint8Array([4]));
    await tracked.cleanUp();
    expect(await store.listObjects('c', '')).toEqual(['users-own']);
    expect(await store.listObjects('d', '')).toEqual([]);
  });

  it("hands every container it was asked to create to the target's removeContainer", async () => {
    const removed: string[] = [];
    const tracked = trackWrites(new TestMemoryStore(), { ...target, removeContainer: async (c) => void removed.push(c) });
    await tracked.store.ensureContainer('ab/cd/one');
    await tracked.store.ensureContainer('two');
    await tracked.cleanUp();
    expect(removed.sort()).toEqual(['ab/cd/one', 'two']);
  });
});

describe('the suite removes the empty container directories of a store with a localRoot', () => {
  let root: string | undefined;
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** A memory store whose containers are also directories under `localRoot`, as posix's are. */
  function storeUnder(dir: string): TestMemoryStore {
    return new (class extends TestMemoryStore {
      readonly localRoot = dir;
      override async ensureContainer(container: string) {
        await mkdir(join(dir, container), { recursive: true });
        return super.ensureContainer(container);
      }
    })();
  }

  it('removes each directory left empty, up to the root, and keeps any that holds something', async () => {
    root = await mkdtemp(join(tmpdir(), 'volback-tracker-'));
    const tracked = trackWrites(storeUnder(root), target);
    await tracked.store.ensureContainer('ab/cd/abcd-1');
    await tracked.store.ensureContainer('ab/ce/abce-2');
    await tracked.store.ensureContainer('kept/x');
    await writeFile(join(root, 'kept', 'users-file'), 'mine');
    await tracked.cleanUp();
    expect(await readdir(root)).toEqual(['kept']);
    expect(await readdir(join(root, 'kept'))).toEqual(['users-file']);
  });

  it('never leaves the root, whatever the container name', async () => {
    root = await mkdtemp(join(tmpdir(), 'volback-tracker-'));
    const outside = await mkdtemp(join(tmpdir(), 'volback-outside-'));
    try {
      await mkdir(join(outside, 'empty'));
      const tracked = trackWrites(
        new (class extends TestMemoryStore {
          readonly localRoot = root as string;
        })(),
        target,
      );
      await tracked.store.ensureContainer(join('..', outside.split('/').pop() as string, 'empty'));
      await tracked.cleanUp();
      expect(await readdir(outside)).toEqual(['empty']);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});
