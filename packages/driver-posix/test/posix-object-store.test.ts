import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BackendError, CancelledError, ConfigError, NotFoundError, hasErrorCode } from '@volback/core';
import type { BackupRecord } from '@volback/core';
import { PosixObjectStore, TEMP_FILE_PREFIX } from '../src/index.js';
import { listTree, makeTempDir, patternBytes } from './temp-root.js';

const BACKUP_ID = '64c02f46-0599-5fd8-9bcf-487bcf67196d';
const PREFIX = `volume_cbb66a29-1111-2222-3333-444455556666_20240501120400_backup_${BACKUP_ID}`;

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
let store: PosixObjectStore;
beforeEach(async () => {
  ({ dir: root, cleanup } = await makeTempDir('store'));
  store = new PosixObjectStore({ root });
});
afterEach(async () => {
  await cleanup();
});

describe('identity and naming', () => {
  it('reports Cinder posix identity and capabilities', () => {
    expect(store.driverId).toBe('posix');
    expect(store.serviceName).toBe('cinder.backup.drivers.posix.PosixBackupDriver');
    expect(store.capabilities).toEqual({ maxConcurrency: 4, ranges: true, listContainers: true });
    expect(new PosixObjectStore({ root, maxConcurrency: 9 }).capabilities.maxConcurrency).toBe(9);
  });

  it('chooses the default container id[0:2]/id[2:4]/id, or the one asked for', () => {
    expect(store.containerFor(BACKUP_ID, null)).toBe(`64/c0/${BACKUP_ID}`);
    expect(store.containerFor(BACKUP_ID, 'my/backups')).toBe('my/backups');
  });

  it('builds the posix object prefix from the record', () => {
    const record = {
      id: BACKUP_ID,
      volumeId: 'cbb66a29-1111-2222-3333-444455556666',
      createdAt: new Date('2024-05-01T12:04:00.789Z'),
    } as BackupRecord;
    expect(store.objectNamePrefix(record)).toBe(PREFIX);
  });
});

describe('objects', () => {
  const container = `64/c0/${BACKUP_ID}`;
  beforeEach(async () => {
    await store.ensureContainer(container);
  });

  it('round-trips empty, small and 16 MiB objects, stored as plain files at <root>/<container>/<name>', async () => {
    const big = patternBytes(16 * 1024 * 1024, 7);
    const small = patternBytes(1000, 3);
    await store.putObject(container, `${PREFIX}-00001`, new Uint8Array(0));
    await store.putObject(container, `${PREFIX}-00002`, small);
    await store.putObject(container, `${PREFIX}-00003`, big);

    expect((await store.getObject(container, `${PREFIX}-00001`)).length).toBe(0);
    expect(Buffer.from(await store.getObject(container, `${PREFIX}-00002`)).equals(Buffer.from(small))).toBe(true);
    expect(Buffer.from(await store.getObject(container, `${PREFIX}-00003`)).equals(Buffer.from(big))).toBe(true);
    // The backdoor: the bytes are really on disk in Cinder's layout.
    const onDisk = await readFile(join(root, '64', 'c0', BACKUP_ID, `${PREFIX}-00003`));
    expect(onDisk.equals(Buffer.from(big))).toBe(true);
  });

  it('reads ranges exactly, and up to the end when a range runs past it', async () => {
    const data = patternBytes(4096, 5);
    await store.putObject(container, 'obj', data);
    const slice = await store.getObject(container, 'obj', { range: { offset: 100, length: 300 } });
    expect(Buffer.from(slice).equals(Buffer.from(data.subarray(100, 400)))).toBe(true);
    const tail = await store.getObject(container, 'obj', { range: { offset: 4000, length: 1_000_000_000 } });
    expect(Buffer.from(tail).equals(Buffer.from(data.subarray(4000)))).toBe(true);
    expect((await store.getObject(container, 'obj', { range: { offset: 5000, length: 10 } })).length).toBe(0);
    expect((await store.getObject(container, 'obj', { range: { offset: 0, length: 0 } })).length).toBe(0);
    await expect(store.getObject(container, 'obj', { range: { offset: -1, length: 2 } })).rejects.toMatchObject({ code: 'E_INVALID_BACKUP' });
  });

  it('reads into the buffer the caller lends, sized by what the object holds', async () => {
    const data = patternBytes(10_000, 6);
    await store.putObject(container, 'obj', data);
    const lent = new Uint8Array(20_000);
    const asked: number[] = [];
    const allocate = (length: number) => {
      asked.push(length);
      return lent.subarray(500, 500 + length);
    };
    const whole = await store.getObject(container, 'obj', { allocate });
    expect(whole.buffer).toBe(lent.buffer);
    expect(Buffer.from(whole).equals(Buffer.from(data))).toBe(true);
    const part = await store.getObject(container, 'obj', { allocate, range: { offset: 9000, length: 5000 } });
    expect(Buffer.from(part).equals(Buffer.from(data.subarray(9000)))).toBe(true);
    expect(asked).toEqual([10_000, 1000]);
  });

  it('puts with flushLater are readable at once and made durable by flush', async () => {
    const a = patternBytes(300_000, 7);
    await store.putObject(container, 'a', a, { flushLater: true });
    await store.putObject(container, 'b', patternBytes(10, 8), { flushLater: true });
    expect(Buffer.from(await store.getObject(container, 'a')).equals(Buffer.from(a))).toBe(true);
    // An object deleted before the flush (a failed backup's cleanup) is no error.
    await store.deleteObject(container, 'b');
    await store.flush(container);
    // Nothing pending: a second flush, or one of another container, does nothing.
    await store.flush(container);
    await store.flush('no-such-container');
    expect(await store.listObjects(container, '')).toEqual(['a']);
  });

  it('a flush that fails keeps failing when retried, rather than passing with nothing left to wait for', async () => {
    await store.putObject(container, 'a', patternBytes(1000, 9), { flushLater: true });
    // The container's directory vanishes before the flush: its fsync cannot be done.
    await rm(join(root, container), { recursive: true });
    await expect(store.flush(container)).rejects.toBeInstanceOf(BackendError);
    await expect(store.flush(container)).rejects.toBeInstanceOf(BackendError);
  });

  it('overwrites an object whole, also with shorter content', async () => {
    await store.putObject(container, 'obj', patternBytes(5000, 1));
    const second = patternBytes(10, 2);
    await store.putObject(container, 'obj', second);
    expect(Buffer.from(await store.getObject(container, 'obj')).equals(Buffer.from(second))).toBe(true);
  });

  it('throws NotFoundError naming container and object for a missing object, container or directory', async () => {
    const err = await store.getObject(container, `${PREFIX}-00009`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(hasErrorCode(err, 'E_NOT_FOUND')).toBe(true);
    expect((err as Error).message).toContain(`${PREFIX}-00009`);
    expect((err as Error).message).toContain(container);
    await expect(store.getObject('no/such/container', 'x')).rejects.toBeInstanceOf(NotFoundError);
    await mkdir(join(root, container, 'a-directory'));
    await expect(store.getObject(container, 'a-directory')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('deletes idempotently and never removes the container directory', async () => {
    await store.putObject(container, 'obj', patternBytes(10));
    await store.deleteObject(container, 'obj');
    await store.deleteObject(container, 'obj');
    await store.deleteObject('never/created', 'obj');
    await expect(store.getObject(container, 'obj')).rejects.toBeInstanceOf(NotFoundError);
    expect((await stat(join(root, container))).isDirectory()).toBe(true);
  });

  it('writes objects 0660 and creates the leaf container 0770 while parents follow the umask', async () => {
    await store.putObject(container, 'obj', patternBytes(10));
    expect((await stat(join(root, container, 'obj'))).mode & 0o777).toBe(0o660);
    expect((await stat(join(root, container))).mode & 0o777).toBe(0o770);
    expect((await stat(join(root, '64', 'c0'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(root, '64'))).mode & 0o777).toBe(0o755);
  });

  it('leaves an existing container mode alone, as Cinder does, and ensureContainer is idempotent', async () => {
    await mkdir(join(root, 'existing'), { mode: 0o700 });
    await store.ensureContainer('existing');
    await store.ensureContainer('existing');
    expect((await stat(join(root, 'existing'))).mode & 0o777).toBe(0o700);
  });

  it('honours configured modes', async () => {
    const custom = new PosixObjectStore({ root, fileMode: 0o640, dirMode: 0o750, fsync: false });
    await custom.ensureContainer('custom');
    await custom.putObject('custom', 'obj', patternBytes(3));
    expect((await stat(join(root, 'custom'))).mode & 0o777).toBe(0o750);
    expect((await stat(join(root, 'custom', 'obj'))).mode & 0o777).toBe(0o640);
  });

  it('refuses a put into a container that does not exist', async () => {
    await expect(store.putObject('not/created', 'obj', patternBytes(3))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses to start when the signal has already fired, writing nothing', async () => {
    const aborted = AbortSignal.abort();
    await expect(store.putObject(container, 'obj', patternBytes(3), { signal: aborted })).rejects.toBeInstanceOf(CancelledError);
    expect(await readdir(join(root, container))).toEqual([]);
  });
});

describe('temporary files', () => {
  const container = 'c';
  beforeEach(async () => {
    await store.ensureContainer(container);
  });

  it('leaves no temp file after successful puts', async () => {
    await store.putObject(container, `${PREFIX}-00001`, patternBytes(100));
    await store.putObject(container, `${PREFIX}-00001`, patternBytes(200));
    expect(await readdir(join(root, container))).toEqual([`${PREFIX}-00001`]);
  });

  it('removes the temp file when the final rename fails', async () => {
    // A non-empty directory under the final name makes rename() fail after the data was written.
    await mkdir(join(root, container, 'blocked', 'inner'), { recursive: true });
    const err = await store.putObject(container, 'blocked', patternBytes(1000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).transient).toBe(false);
    expect(await readdir(join(root, container))).toEqual(['blocked']);
  });

  it('fails cleanly when a regular file blocks the container path', async () => {
    await writeFile(join(root, 'file'), 'x');
    const putErr = await store.putObject('file/sub', 'obj', patternBytes(10)).catch((e: unknown) => e);
    expect(putErr).toBeInstanceOf(NotFoundError);
    const ensureErr = await store.ensureContainer('file/sub').catch((e: unknown) => e);
    expect(ensureErr).toBeInstanceOf(BackendError);
    expect((ensureErr as Error).message).toContain(join(root, 'file', 'sub'));
    expect((ensureErr as Error).cause).toBeDefined();
    expect((await listTree(root)).filter((p) => p.includes(TEMP_FILE_PREFIX))).toEqual([]);
  });

  it('hides leftover temp files (as after a crash) from listings', async () => {
    await writeFile(join(root, container, `${TEMP_FILE_PREFIX}deadbeef`), 'partial');
    await store.putObject(container, 'obj', patternBytes(1));
    expect(await store.listObjects(container, '')).toEqual(['obj']);
  });

  it('refuses object names in the temporary namespace', async () => {
    await expect(store.putObject(container, `${TEMP_FILE_PREFIX}x`, patternBytes(1))).rejects.toMatchObject({ code: 'E_INVALID_BACKUP' });
  });
});

describe('listObjects', () => {
  it('lists regular files by exact startsWith, sorted, not recursively', async () => {
    await store.ensureContainer('c');
    const other = PREFIX.replace('_backup_', '_backup_X');
    for (const name of [`${PREFIX}-00002`, `${PREFIX}-00001`, `${PREFIX}_metadata`, `${PREFIX}_sha256file`, other, 'VOLUME_x', 'unrelated']) {
      await store.putObject('c', name, patternBytes(1));
    }
    await mkdir(join(root, 'c', `${PREFIX}-dir`));
    await writeFile(join(root, 'c', `${PREFIX}-dir`, `${PREFIX}-nested`), 'x');
    await symlink(join(root, 'c', 'unrelated'), join(root, 'c', `${PREFIX}-link`));

    expect(await store.listObjects('c', PREFIX)).toEqual([
      `${PREFIX}-00001`,
      `${PREFIX}-00002`,
      `${PREFIX}_metadata`,
      `${PREFIX}_sha256file`,
    ]);
    expect(await store.listObjects('c', 'volume_')).toHaveLength(5);
    expect(await store.listObjects('c', 'VOLUME_')).toEqual(['VOLUME_x']);
    expect(await store.listObjects('c', '')).toHaveLength(7);
  });

  it('returns an empty list for a missing container', async () => {
    expect(await store.listObjects('missing/container', '')).toEqual([]);
  });
});

describe('listContainers', () => {
  it('finds default and user containers holding objects, at any depth, without following symlinks', async () => {
    const ids = ['abcd1234-0000-0000-0000-000000000001', 'ab99ffff-0000-0000-0000-000000000002'];
    for (const id of ids) {
      const container = store.containerFor(id, null);
      await store.ensureContainer(container);
      await store.putObject(container, `volume_v_20240101000000_backup_${id}_metadata`, patternBytes(2));
    }
    await store.ensureContainer('mine');
    await store.putObject('mine', 'volume_v_20240101000000_backup_u_metadata', patternBytes(2));
    await store.ensureContainer('team/a/b/c/d/e');
    await store.putObject('team/a/b/c/d/e', 'x_metadata', patternBytes(2));
    // An unfinished backup's objects: found, so that its orphans can be removed.
    await store.ensureContainer('data-only');
    await store.putObject('data-only', 'volume_v_1_backup_z-00001', patternBytes(2));
    await store.ensureContainer('sha-only');
    await store.putObject('sha-only', 'volume_v_1_backup_z_sha256file', patternBytes(2));
    // Not containers: an empty directory, one holding only a temporary file, a symlink to a container, too deep.
    await store.ensureContainer('empty');
    await store.ensureContainer('temp-only');
    await writeFile(join(root, 'temp-only', `${TEMP_FILE_PREFIX}0123`), 'x');
    await symlink(join(root, 'mine'), join(root, 'link-to-mine'));
    await store.ensureContainer('1/2/3/4/5/6/7/8/9');
    await store.putObject('1/2/3/4/5/6/7/8/9', 'deep_metadata', patternBytes(2));
    // _metadata files right in the root are not in any container.
    await writeFile(join(root, 'stray_metadata'), 'x');

    expect(await store.listContainers()).toEqual([
      `ab/99/${ids[1]}`,
      `ab/cd/${ids[0]}`,
      'data-only',
      'mine',
      'sha-only',
      'team/a/b/c/d/e',
    ]);
  });

  it('returns an empty list for an empty or missing root', async () => {
    expect(await store.listContainers()).toEqual([]);
    expect(await new PosixObjectStore({ root: join(root, 'absent') }).listContainers()).toEqual([]);
  });
});

describe('concurrency', () => {
  it('runs 16 concurrent puts to one container', async () => {
    await store.ensureContainer('c');
    const names = Array.from({ length: 16 }, (_, i) => `${PREFIX}-${String(i + 1).padStart(5, '0')}`);
    await Promise.all(names.map((name, i) => store.putObject('c', name, patternBytes(64 * 1024, i + 1))));
    expect(await store.listObjects('c', PREFIX)).toEqual(names);
    for (const [i, name] of names.entries()) {
      const back = await store.getObject('c', name);
      expect(Buffer.from(back).equals(Buffer.from(patternBytes(64 * 1024, i + 1)))).toBe(true);
    }
  });

  it('keeps one whole version when 16 puts race on the same name', async () => {
    await store.ensureContainer('c');
    const versions = Array.from({ length: 16 }, (_, i) => patternBytes(32 * 1024 + i, i + 100));
    await Promise.all(versions.map((data) => store.putObject('c', 'same', data)));
    const back = Buffer.from(await store.getObject('c', 'same'));
    expect(versions.some((v) => back.equals(Buffer.from(v)))).toBe(true);
    expect(await readdir(join(root, 'c'))).toEqual(['same']);
  });
});

describe('checkForSetupError', () => {
  it('passes on a writable root; a missing one is NotFoundError, and only a backup creates it', async () => {
    await store.checkForSetupError();
    const nested = new PosixObjectStore({ root: join(root, 'new', 'root') });
    await expect(nested.checkForSetupError()).rejects.toBeInstanceOf(NotFoundError);
    await expect(stat(join(root, 'new'))).rejects.toMatchObject({ code: 'ENOENT' });
    await nested.ensureContainer('c');
    await nested.checkForSetupError();
    expect((await stat(join(root, 'new', 'root', 'c'))).isDirectory()).toBe(true);
  });

  it('fails with ConfigError on root when the root cannot be created', async () => {
    await writeFile(join(root, 'file'), 'x');
    const err = await new PosixObjectStore({ root: join(root, 'file', 'sub') }).checkForSetupError().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('root');
  });

  it('fails with ConfigError on root when the root is a regular file', async () => {
    await writeFile(join(root, 'file'), 'x');
    const err = await new PosixObjectStore({ root: join(root, 'file') }).checkForSetupError().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('root');
  });
});

describe('deleteContainer', () => {
  it('removes an empty container and its empty parents, and keeps anything not empty', async () => {
    const root = await mkdtemp(join(tmpdir(), 'volback-posix-rmc-'));
    try {
      const store = new PosixObjectStore({ root });
      await store.ensureContainer('ab/cd/abcd-1');
      await store.ensureContainer('ab/ce/abce-2');
      await store.putObject('ab/ce/abce-2', 'kept', new Uint8Array([1]));
      await store.deleteContainer('ab/cd/abcd-1');
      expect(await readdir(join(root, 'ab'))).toEqual(['ce']);
      await store.deleteContainer('ab/ce/abce-2');
      expect(await store.getObject('ab/ce/abce-2', 'kept')).toEqual(new Uint8Array([1]));
      await store.deleteObject('ab/ce/abce-2', 'kept');
      await store.deleteContainer('ab/ce/abce-2');
      expect(await readdir(root)).toEqual([]);
      await store.deleteContainer('ab/ce/abce-2'); // already gone: fine
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
