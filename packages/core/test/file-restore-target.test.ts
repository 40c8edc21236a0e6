import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupRecord } from '../src/backup-record.js';
import { FileRestoreTarget } from '../src/restore-target.js';
import { makeVolume, sha256Hex } from '../src/testing/test-data.js';
import { backupBytes, KiB, makeDriver, MiB } from './engine-helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'volback-target-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A backup of 8 objects whose last object (by offset) has one byte flipped: the restore writes the others, then fails. */
async function backupWithBadLastObject(): Promise<{ ctx: ReturnType<typeof makeDriver>; record: BackupRecord; size: number }> {
  const ctx = makeDriver({ objectSize: 256 * KiB });
  const data = makeVolume(2 * MiB, 7);
  const { record } = await backupBytes(ctx, data);
  const container = record.container as string;
  const names = (await ctx.store.listObjects(container, '')).filter((n) => /-\d{5}$/.test(n)).sort();
  const last = names.at(-1) as string;
  const bytes = new Uint8Array(await ctx.store.getObject(container, last));
  bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0xff;
  await ctx.store.putObject(container, last, bytes);
  return { ctx, record, size: data.length };
}

async function restoreInto(ctx: ReturnType<typeof makeDriver>, record: BackupRecord, path: string): Promise<unknown> {
  const target = await FileRestoreTarget.open(path);
  try {
    await ctx.driver.restore(record, 'v', target);
    return null;
  } catch (err) {
    return err;
  } finally {
    await target.close();
  }
}

async function partialFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.includes('.volback-partial-'));
}

describe('FileRestoreTarget: a restore that fails leaves no file that looks complete', () => {
  it('into a new file: no file at the target name, and no temporary file', async () => {
    const { ctx, record } = await backupWithBadLastObject();
    const path = join(dir, 'new.img');
    expect(await restoreInto(ctx, record, path)).toMatchObject({ code: 'E_INTEGRITY' });
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await partialFiles()).toEqual([]);
  });

  it('over an existing file: the old file stays byte-identical, mode included', async () => {
    const { ctx, record, size } = await backupWithBadLastObject();
    const path = join(dir, 'old.img');
    const old = makeVolume(size + 3 * MiB, 99);
    await writeFile(path, old);
    await chmod(path, 0o640);
    expect(await restoreInto(ctx, record, path)).toMatchObject({ code: 'E_INTEGRITY' });
    expect(sha256Hex(await readFile(path))).toBe(sha256Hex(old));
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    expect(await partialFiles()).toEqual([]);
  });

  it('cancelled midway: the temporary file is removed and the target never appears', async () => {
    const ctx = makeDriver({ objectSize: 256 * KiB });
    const { record } = await backupBytes(ctx, makeVolume(2 * MiB, 8));
    const path = join(dir, 'cancelled.img');
    const target = await FileRestoreTarget.open(path);
    const controller = new AbortController();
    const restoring = ctx.driver.restore(record, 'v', target, {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.objectsDone === 2) controller.abort();
      },
    });
    await expect(restoring).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(await partialFiles()).toHaveLength(1); // written so far, under the temporary name only
    await target.close();
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await partialFiles()).toEqual([]);
  });
});

describe('FileRestoreTarget: a restore that succeeds', () => {
  it('over an existing larger file gives exactly the restored bytes, keeps its mode, and leaves zeros as holes', async () => {
    const ctx = makeDriver({ objectSize: 1 * MiB });
    const data = new Uint8Array(4 * MiB + 5);
    data.set(makeVolume(1 * MiB, 3), 0);
    data.set(makeVolume(512 * KiB, 4), 3 * MiB); // 2 MiB of zeros between, and at the end
    const { record } = await backupBytes(ctx, data);
    const path = join(dir, 'larger.img');
    await writeFile(path, new Uint8Array(9 * MiB).fill(0xee));
    await chmod(path, 0o604);
    expect(await restoreInto(ctx, record, path)).toBeNull();
    expect(sha256Hex(await readFile(path))).toBe(sha256Hex(data));
    const st = await stat(path);
    expect(st.mode & 0o777).toBe(0o604);
    expect(st.blocks * 512).toBeLessThan(2 * MiB + 256 * KiB);
    expect(await partialFiles()).toEqual([]);
  });

  it('through a symlink replaces the file it leads to, and keeps the link', async () => {
    const ctx = makeDriver();
    const data = makeVolume(300 * KiB, 5);
    const { record } = await backupBytes(ctx, data);
    const real = join(dir, 'real.img');
    const link = join(dir, 'link.img');
    await writeFile(real, 'old');
    execFileSync('ln', ['-s', real, link]);
    expect(await restoreInto(ctx, record, link)).toBeNull();
    expect(sha256Hex(await readFile(real))).toBe(sha256Hex(data));
    expect(await readlink(link)).toBe(real);
  });

  it('refuses an existing file it may not write, a dangling symlink, and a directory that does not exist', async () => {
    const readOnly = join(dir, 'read-only.img');
    await writeFile(readOnly, 'keep');
    await chmod(readOnly, 0o444);
    // root may write anything: the check then has nothing to refuse.
    if (process.getuid?.() !== 0) await expect(FileRestoreTarget.open(readOnly)).rejects.toMatchObject({ code: 'E_INVALID_VOLUME' });
    const dangling = join(dir, 'dangling.img');
    execFileSync('ln', ['-s', join(dir, 'nowhere', 'x.img'), dangling]);
    await expect(FileRestoreTarget.open(dangling)).rejects.toMatchObject({
      code: 'E_INVALID_VOLUME',
      message: expect.stringContaining('symlink'),
    });
    await expect(FileRestoreTarget.open(join(dir, 'missing-dir', 'x.img'))).rejects.toMatchObject({ code: 'E_INVALID_VOLUME' });
    expect(await partialFiles()).toEqual([]);
  });
});

describe('FileRestoreTarget.open with a guard', () => {
  it('refuses a target inside the store before anything is created', async () => {
    const root = join(dir, 'store');
    await mkdir(join(root, 'ab'), { recursive: true });
    const guard = { store: { localRoot: root } };
    await expect(FileRestoreTarget.open(join(root, 'ab', 'new.img'), { guard })).rejects.toMatchObject({ code: 'E_INVALID_VOLUME' });
    expect(await readdir(join(root, 'ab'))).toEqual([]);
  });
});

/** Attaches a loop device over `file`, or returns null where that is not allowed (not root, no loop driver). */
function attachLoop(file: string): string | null {
  try {
    return execFileSync('losetup', ['--find', '--show', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

describe('FileRestoreTarget on a block device', () => {
  it('says the device was left incomplete when a restore written in place fails', async (t) => {
    const { ctx, record, size } = await backupWithBadLastObject();
    const file = join(dir, 'device.img');
    await writeFile(file, new Uint8Array(size));
    const device = attachLoop(file);
    if (!device) return t.skip();
    try {
      const target = await FileRestoreTarget.open(device);
      expect(target.partialPath).toBeNull();
      await expect(ctx.driver.restore(record, 'v', target)).rejects.toMatchObject({ code: 'E_INTEGRITY' });
      expect(target.leftIncomplete).toBe(true);
      await target.close();
    } finally {
      execFileSync('losetup', ['--detach', device]);
    }
  });
});

describe('FileRestoreTarget.open with refuseNonEmpty', () => {
  it('refuses a file of one byte or more, and takes a new or empty one', async () => {
    const full = join(dir, 'one-byte.img');
    await writeFile(full, 'x');
    await expect(FileRestoreTarget.open(full, { refuseNonEmpty: true })).rejects.toMatchObject({
      code: 'E_INVALID_VOLUME',
      kind: 'file',
      bytes: 1,
      message: `restore target ${full} is a file of 1 byte: it would be overwritten`,
    });
    expect(await readFile(full, 'utf8')).toBe('x');
    const empty = join(dir, 'empty.img');
    await writeFile(empty, '');
    for (const path of [empty, join(dir, 'new.img')]) await (await FileRestoreTarget.open(path, { refuseNonEmpty: true })).close();
  });
});
