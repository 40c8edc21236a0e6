import { mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineFileTreeStore, type FileTreeStoreOptions } from '../src/driver/file-tree/define-file-tree-store.js';
import { TEMP_FILE_PREFIX } from '../src/driver/file-tree/file-tree-names.js';
import type { FileTreeTransport } from '../src/driver/file-tree/file-tree-transport.js';
import { AuthError, BackendError, CancelledError, ConfigError, InvalidBackupError, NotFoundError } from '../src/errors.js';
import type { ObjectStore } from '../src/object-store.js';
import { SeededRandom } from '../src/testing/test-data.js';
import { diskTree, errno, recorded, tempTree, type Call } from './file-tree-helpers.js';

const BACKUP_ID = '64c02f46-0599-5fd8-9bcf-487bcf67196d';
/** BACKUP_ID's default container in Cinder's posix layout. */
const C = `64/c0/${BACKUP_ID}`;
const OBJ = `volume_v_20240501120400_backup_${BACKUP_ID}-00001`;
const rnd = new SeededRandom(15);

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: root, cleanup } = await tempTree());
});
afterEach(() => cleanup());

function treeStore(fs: FileTreeTransport = diskTree, settings: Partial<FileTreeStoreOptions> = {}): ObjectStore {
  return defineFileTreeStore('tree', {
    service: 'test.FileTree',
    root,
    maxConcurrency: 2,
    fileMode: 0o640,
    dirMode: 0o750,
    fsync: true,
    fs,
    ...settings,
  });
}
/** What really is in a container's directory. */
const onDisk = async (container: string): Promise<string[]> => (await readdir(join(root, container))).sort();
const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => null,
    (e: unknown) => e,
  );
const methods = (calls: readonly Call[]): string[] => calls.map(([method]) => method);

describe('a put writes a temporary file and renames it into place', () => {
  it('in the container, over the name, then syncs the directory; the default container is id[0:2]/id[2:4]/id', async () => {
    const { fs, calls } = recorded(diskTree);
    const store = treeStore(fs);
    expect(store.containerFor(BACKUP_ID, null)).toBe(C);
    await store.ensureContainer(C);
    calls.length = 0;
    const data = rnd.bytes(5000);
    await store.putObject(C, OBJ, data);

    const dir = join(root, C);
    const [write, move, sync] = calls;
    const temp = write?.[1] as string;
    expect(temp.startsWith(join(dir, TEMP_FILE_PREFIX))).toBe(true);
    expect(write?.[3]).toEqual({ mode: 0o640, sync: true });
    expect(move).toEqual(['rename', temp, join(dir, OBJ)]);
    expect(sync).toEqual(['syncDirectory', dir]);
    expect(calls).toHaveLength(3);
    expect(await onDisk(C)).toEqual([OBJ]);
    expect(await store.getObject(C, OBJ)).toEqual(data);
  });

  for (const [code, transient] of [
    ['ETIMEDOUT', true],
    ['EIO', false],
  ] as const) {
    it(`a rename that fails (${code}) removes the temporary file; the error says whether a retry may cure it`, async () => {
      const store = treeStore({ ...diskTree, rename: async () => Promise.reject(errno(code)) });
      await store.ensureContainer(C);
      const err = await rejection(store.putObject(C, OBJ, rnd.bytes(100)));
      expect(err).toBeInstanceOf(BackendError);
      expect(err).toMatchObject({ transient, message: expect.stringMatching(/^tree: PUT .*\(.*\).*injected/) });
      expect(await onDisk(C)).toEqual([]);
    });
  }

  it('a write that fails part-way (a full disk) removes its partial file', async () => {
    const store = treeStore({
      ...diskTree,
      async writeNew(path, data, options) {
        await diskTree.writeNew(path, data.subarray(0, 10), options);
        throw errno('ENOSPC');
      },
    });
    await store.ensureContainer(C);
    expect(await rejection(store.putObject(C, OBJ, rnd.bytes(100)))).toMatchObject({ code: 'E_BACKEND', transient: false });
    expect(await onDisk(C)).toEqual([]);
  });

  it('a temporary name that is taken (EEXIST) is never removed: the file is not ours', async () => {
    const { fs, calls } = recorded({ ...diskTree, writeNew: async () => Promise.reject(errno('EEXIST')) });
    const store = treeStore(fs);
    await store.ensureContainer(C);
    await expect(store.putObject(C, OBJ, rnd.bytes(10))).rejects.toBeInstanceOf(BackendError);
    expect(methods(calls)).not.toContain('unlink');
  });

  it('a put into a missing container, or below a file, is NotFoundError naming the container, and leaves nothing', async () => {
    const store = treeStore();
    const err = await rejection(store.putObject('not/made', OBJ, rnd.bytes(10)));
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toContain('container "not/made" does not exist');
    await writeFile(join(root, 'file'), 'x');
    await expect(store.putObject('file/sub', OBJ, rnd.bytes(10))).rejects.toBeInstanceOf(NotFoundError);
    expect(await readdir(root)).toEqual(['file']);
  });

  it('a put given up before its rename never appears under its name', async () => {
    const controller = new AbortController();
    const { fs, calls } = recorded({
      ...diskTree,
      async writeNew(path, data, options) {
        await diskTree.writeNew(path, data, options);
        controller.abort();
      },
    });
    const store = treeStore(fs);
    await store.ensureContainer(C);
    await expect(store.putObject(C, OBJ, rnd.bytes(10), { signal: controller.signal })).rejects.toBeInstanceOf(CancelledError);
    // The store gave up at once; the put goes on in the background until it removes its file.
    await vi.waitFor(async () => expect(await onDisk(C)).toEqual([]), { timeout: 5000 });
    expect(methods(calls)).not.toContain('rename');
  });
});

describe('fsync', () => {
  it('with flushLater, the file sync runs in the background and the directory sync waits for flush', async () => {
    const { fs, calls } = recorded(diskTree);
    const store = treeStore(fs);
    await store.ensureContainer(C);
    calls.length = 0;
    for (const n of [1, 2]) await store.putObject(C, `${OBJ}${n}`, rnd.bytes(100), { flushLater: true });
    const dir = join(root, C);
    expect(calls.filter(([m]) => m === 'writeNew').map((c) => c[3])).toEqual([
      { mode: 0o640, sync: false },
      { mode: 0o640, sync: false },
    ]);
    expect(calls.filter(([m]) => m === 'syncFile')).toEqual([
      ['syncFile', join(dir, `${OBJ}1`)],
      ['syncFile', join(dir, `${OBJ}2`)],
    ]);
    expect(methods(calls)).not.toContain('syncDirectory');
    await store.flush?.(C);
    expect(calls.filter(([m]) => m === 'syncDirectory')).toEqual([['syncDirectory', dir]]);
    // Nothing pending: another flush syncs nothing more.
    await store.flush?.(C);
    expect(calls.filter(([m]) => m === 'syncDirectory')).toHaveLength(1);
  });

  it('with fsync off, nothing is synced, also not at flush', async () => {
    const { fs, calls } = recorded(diskTree);
    const store = treeStore(fs, { fsync: false });
    await store.ensureContainer(C);
    await store.putObject(C, `${OBJ}1`, rnd.bytes(100));
    await store.putObject(C, `${OBJ}2`, rnd.bytes(100), { flushLater: true });
    await store.flush?.(C);
    expect(calls.filter(([m]) => m === 'writeNew').map((c) => (c[3] as { sync: boolean }).sync)).toEqual([false, false]);
    expect(methods(calls).filter((m) => m.startsWith('sync'))).toEqual([]);
  });

  it('a directory that cannot be synced (EINVAL) is tolerated; an I/O error fails the put', async () => {
    let failure = 'EINVAL';
    const store = treeStore({ ...diskTree, syncDirectory: async () => Promise.reject(errno(failure)) });
    await store.ensureContainer(C);
    await store.putObject(C, `${OBJ}1`, rnd.bytes(10));
    failure = 'EIO';
    await expect(store.putObject(C, `${OBJ}2`, rnd.bytes(10))).rejects.toMatchObject({ code: 'E_BACKEND', transient: false });
  });

  it('a background sync that failed fails the flush, and a retried flush fails again', async () => {
    const store = treeStore({ ...diskTree, syncFile: async () => Promise.reject(errno('EIO')) });
    await store.ensureContainer(C);
    await store.ensureContainer('other');
    await store.putObject(C, OBJ, rnd.bytes(10), { flushLater: true });
    await expect(store.flush?.(C)).rejects.toBeInstanceOf(BackendError);
    await expect(store.flush?.(C)).rejects.toBeInstanceOf(BackendError);
    await store.flush?.('other');
  });

  it('an object deleted before its sync (a failed backup cleaned up) needs none', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const store = treeStore({ ...diskTree, syncFile: async (path) => gate.then(() => diskTree.syncFile(path)) });
    await store.ensureContainer(C);
    await store.putObject(C, OBJ, rnd.bytes(10), { flushLater: true });
    await store.deleteObject(C, OBJ);
    release();
    await store.flush?.(C);
  });
});

describe('containers', () => {
  it('ensureContainer gives its mode to a leaf it creates, and leaves a directory that exists alone', async () => {
    const { fs, calls } = recorded(diskTree);
    const store = treeStore(fs);
    await store.ensureContainer(C);
    await store.ensureContainer(C);
    await mkdir(join(root, 'existing'), { mode: 0o700 });
    await store.ensureContainer('existing');
    expect(calls.filter(([m]) => m === 'chmod')).toEqual([['chmod', join(root, C), 0o750]]);
    expect((await stat(join(root, C))).mode & 0o777).toBe(0o750);
    expect((await stat(join(root, 'existing'))).mode & 0o777).toBe(0o700);
  });

  it('a file where a container should be is a permanent BackendError naming the path, not NotFoundError', async () => {
    await writeFile(join(root, 'file'), 'x');
    const err = await rejection(treeStore().ensureContainer('file/sub'));
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ transient: false, message: expect.stringContaining(join(root, 'file', 'sub')) });
  });

  it('names that could leave the root, or pass for temporary files, are refused before any call', async () => {
    const { fs, calls } = recorded(diskTree);
    const store = treeStore(fs);
    const data = new Uint8Array(1);
    for (const container of ['/etc', 'ok/..', 'ok/../..', './ok', 'ok//x', 'ok/', 'a\\b']) {
      for (const call of [
        store.ensureContainer(container),
        store.putObject(container, OBJ, data),
        store.getObject(container, OBJ),
        store.deleteObject(container, OBJ),
        store.listObjects(container, ''),
        store.flush?.(container),
      ]) {
        expect(await rejection(call as Promise<unknown>), container).toBeInstanceOf(InvalidBackupError);
      }
    }
    for (const name of ['a\\b', `${TEMP_FILE_PREFIX}0123`]) {
      for (const call of [store.putObject(C, name, data), store.getObject(C, name), store.deleteObject(C, name)]) {
        expect(await rejection(call), name).toBeInstanceOf(InvalidBackupError);
      }
    }
    expect(calls).toEqual([]);
  });

  it('listContainers finds every directory holding objects, at any depth, not following symlinks, bounded', async () => {
    const store = treeStore();
    const put = async (container: string, name: string): Promise<void> => {
      await store.ensureContainer(container);
      await store.putObject(container, name, new Uint8Array(2));
    };
    await put(C, `${OBJ}_metadata`);
    await put('mine', 'x_metadata');
    await put('team/a/b/c/d/e', 'y_metadata');
    // An unfinished backup's data objects: found, so that its orphans can be removed.
    await put('data-only', OBJ);
    // Not containers: an empty directory, one holding only a temporary file, a symlink, one too deep, the root itself.
    await store.ensureContainer('empty');
    await store.ensureContainer('temp-only');
    await writeFile(join(root, 'temp-only', `${TEMP_FILE_PREFIX}0123`), 'x');
    await symlink(join(root, 'mine'), join(root, 'link-to-mine'));
    await put('1/2/3/4/5/6/7/8/9', 'deep_metadata');
    await writeFile(join(root, 'stray_metadata'), 'x');
    expect(await store.listContainers?.()).toEqual([C, 'data-only', 'mine', 'team/a/b/c/d/e']);
    expect(await treeStore(diskTree, { root: join(root, 'absent') }).listContainers?.()).toEqual([]);
  });
});

describe('reading, listing, deleting', () => {
  it('a missing object, a missing container and a directory under the name are NotFoundError naming both', async () => {
    const store = treeStore();
    await store.ensureContainer(C);
    await mkdir(join(root, C, 'a-directory'));
    for (const [container, name] of [
      [C, OBJ],
      ['no/such', OBJ],
      [C, 'a-directory'],
    ] as const) {
      const err = await rejection(store.getObject(container, name, { allocate: () => expect.fail('nothing to read') }));
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as Error).message).toContain(`object "${name}" not found in container "${container}"`);
    }
  });

  it('a listing shows regular files only: no temporary files, directories or symlinks; a missing container lists nothing', async () => {
    const store = treeStore();
    await store.ensureContainer(C);
    for (const n of ['2', '1', '_metadata']) await store.putObject(C, `${OBJ}${n}`, new Uint8Array(1));
    await writeFile(join(root, C, `${TEMP_FILE_PREFIX}deadbeef`), 'partial');
    await mkdir(join(root, C, `${OBJ}-dir`));
    await writeFile(join(root, C, `${OBJ}-dir`, `${OBJ}-nested`), 'x');
    await symlink(join(root, C, `${OBJ}1`), join(root, C, `${OBJ}-link`));
    expect(await store.listObjects(C, OBJ)).toEqual([`${OBJ}1`, `${OBJ}2`, `${OBJ}_metadata`]);
    expect(await store.listObjects(C, '')).toHaveLength(3);
    expect(await store.listObjects('no/such', '')).toEqual([]);
  });

  it('a delete of what is not there succeeds, and the container stays', async () => {
    const store = treeStore();
    await store.ensureContainer(C);
    await store.putObject(C, OBJ, new Uint8Array(1));
    await store.deleteObject(C, OBJ);
    await store.deleteObject(C, OBJ);
    await store.deleteObject('never/made', OBJ);
    expect(await onDisk(C)).toEqual([]);
  });
});

describe('checkForSetupError', () => {
  it('passes on a writable root; a missing one is NotFoundError, and checking creates nothing', async () => {
    await treeStore().checkForSetupError();
    const { fs, calls } = recorded(diskTree);
    const nested = treeStore(fs, { root: join(root, 'new', 'root') });
    await expect(nested.checkForSetupError()).rejects.toBeInstanceOf(NotFoundError);
    expect(new Set(methods(calls))).toEqual(new Set(['stat', 'checkWritable']));
    expect(await readdir(root)).toEqual([]);
    await nested.ensureContainer(C);
    await nested.checkForSetupError();
  });

  it('a root that cannot be created, is a file, or may not be written is ConfigError on root', async () => {
    await writeFile(join(root, 'file'), 'x');
    const denied = { ...diskTree, checkWritable: async () => Promise.reject(errno('EACCES')) };
    for (const store of [
      treeStore(diskTree, { root: join(root, 'file', 'sub') }),
      treeStore(diskTree, { root: join(root, 'file') }),
      treeStore(denied),
      treeStore(denied, { root: join(root, 'new') }),
    ]) {
      const err = await rejection(store.checkForSetupError());
      expect(err).toBeInstanceOf(ConfigError);
      expect(err).toMatchObject({ field: 'root', message: expect.stringMatching(/^tree: /) });
    }
  });

  it('a refused login or a broken connection keeps its own type: it says nothing about the root', async () => {
    const refused = { ...diskTree, stat: async () => Promise.reject(new AuthError('tree: host key refused')) };
    expect(await rejection(treeStore(refused).checkForSetupError())).toBeInstanceOf(AuthError);
    const broken = { ...diskTree, checkWritable: async () => Promise.reject(errno('ECONNRESET')) };
    const err = await rejection(treeStore(broken).checkForSetupError());
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ transient: true });
  });
});
