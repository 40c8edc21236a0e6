import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackendError, NotFoundError, type ObjectStore } from '@volback/core';
import { SeededRandom } from '@volback/conformance';
import { createPosixStore } from '../src/index.js';
import { makeTempDir } from './temp-root.js';

// What the family does on any transport is tested in core (file-tree-store.test.ts); here, what
// node:fs makes of it on a real disk: modes, renames, fsync, reads.
const BACKUP_ID = '64c02f46-0599-5fd8-9bcf-487bcf67196d';
const CONTAINER = `64/c0/${BACKUP_ID}`;
const PREFIX = `volume_cbb66a29-1111-2222-3333-444455556666_20240501120400_backup_${BACKUP_ID}`;
const rnd = new SeededRandom(0x9051);

let previousUmask: number;
beforeAll(() => {
  // The mode checks below are only meaningful under a umask that would otherwise strip group bits.
  previousUmask = process.umask(0o022);
});
afterAll(() => {
  process.umask(previousUmask);
});

let root: string;
let cleanup: () => Promise<void>;
let store: ObjectStore;
beforeEach(async () => {
  ({ dir: root, cleanup } = await makeTempDir('store'));
  store = createPosixStore({ root });
});
afterEach(async () => {
  await cleanup();
});

const modeOf = async (...path: string[]): Promise<number> => (await stat(join(root, ...path))).mode & 0o777;

describe('modes', () => {
  it('writes objects 0660 and creates the leaf container 0770 while parents follow the umask', async () => {
    await store.ensureContainer(CONTAINER);
    await store.putObject(CONTAINER, 'obj', rnd.bytes(10));
    expect(await modeOf(CONTAINER, 'obj')).toBe(0o660);
    expect(await modeOf(CONTAINER)).toBe(0o770);
    expect(await modeOf('64', 'c0')).toBe(0o755);
    expect(await modeOf('64')).toBe(0o755);
  });

  it('honours configured modes, and leaves an existing container mode alone, as Cinder does', async () => {
    const custom = createPosixStore({ root, fileMode: '0640', dirMode: 0o750 });
    await custom.ensureContainer('custom');
    await custom.putObject('custom', 'obj', rnd.bytes(3));
    expect(await modeOf('custom')).toBe(0o750);
    expect(await modeOf('custom', 'obj')).toBe(0o640);
    await mkdir(join(root, 'existing'), { mode: 0o700 });
    await custom.ensureContainer('existing');
    expect(await modeOf('existing')).toBe(0o700);
  });
});

describe('writes', () => {
  beforeEach(async () => {
    await store.ensureContainer(CONTAINER);
  });

  it('leaves no temporary file after puts and overwrites', async () => {
    await store.putObject(CONTAINER, `${PREFIX}-00001`, rnd.bytes(100));
    await store.putObject(CONTAINER, `${PREFIX}-00001`, rnd.bytes(200));
    expect(await readdir(join(root, CONTAINER))).toEqual([`${PREFIX}-00001`]);
  });

  it('removes the temporary file when a directory under the name makes the rename fail', async () => {
    await mkdir(join(root, CONTAINER, 'blocked', 'inner'), { recursive: true });
    const err = await store.putObject(CONTAINER, 'blocked', rnd.bytes(1000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).transient).toBe(false);
    expect(await readdir(join(root, CONTAINER))).toEqual(['blocked']);
  });

  it('keeps one whole version when 16 puts race on the same name', async () => {
    const versions = Array.from({ length: 16 }, (_, i) => rnd.bytes(32 * 1024 + i));
    await Promise.all(versions.map((data) => store.putObject(CONTAINER, 'same', data)));
    const back = Buffer.from(await store.getObject(CONTAINER, 'same'));
    expect(versions.some((v) => back.equals(v))).toBe(true);
    expect(await readdir(join(root, CONTAINER))).toEqual(['same']);
  });

  it('with fsync, a put syncs its file and its directory; without, nothing', async () => {
    // Counted on node's own FileHandle: whatever is synced goes through it.
    const probe = await open(join(root, CONTAINER));
    const sync = vi.spyOn(Object.getPrototypeOf(probe) as { sync(): Promise<void> }, 'sync');
    await probe.close();
    try {
      await store.putObject(CONTAINER, 'synced', rnd.bytes(10));
      expect(sync).toHaveBeenCalledTimes(2);
      sync.mockClear();
      const unsynced = createPosixStore({ root, fsync: false });
      await unsynced.putObject(CONTAINER, 'unsynced', rnd.bytes(10), { flushLater: true });
      await unsynced.flush?.(CONTAINER);
      expect(sync).not.toHaveBeenCalled();
    } finally {
      sync.mockRestore();
    }
  });

  it('a flush whose container directory vanished fails, and keeps failing when retried', async () => {
    await store.putObject(CONTAINER, 'a', rnd.bytes(1000), { flushLater: true });
    await rm(join(root, CONTAINER), { recursive: true });
    await expect(store.flush?.(CONTAINER)).rejects.toBeInstanceOf(BackendError);
    await expect(store.flush?.(CONTAINER)).rejects.toBeInstanceOf(BackendError);
  });
});

describe('reads', () => {
  it('a directory under an object name is not found, and no buffer is lent for it', async () => {
    await store.ensureContainer(CONTAINER);
    await mkdir(join(root, CONTAINER, 'a-directory'));
    const lent: number[] = [];
    const read = store.getObject(CONTAINER, 'a-directory', { allocate: (n) => (lent.push(n), new Uint8Array(n)) });
    await expect(read).rejects.toBeInstanceOf(NotFoundError);
    expect(lent).toEqual([]);
  });
});
