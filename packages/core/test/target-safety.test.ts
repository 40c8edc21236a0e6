import { execFileSync } from 'node:child_process';
import { link, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBackupSource, checkRestoreTarget, fileIdentity, resolveVolumePath, type TargetGuard } from '../src/target-safety.js';

let dir: string;
let root: string;
let object: string;
let guard: TargetGuard;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'volback-safety-'));
  root = join(dir, 'store');
  await mkdir(join(root, 'ab', 'cd'), { recursive: true });
  object = join(root, 'ab', 'cd', 'backup-00001');
  await writeFile(object, 'stored object');
  // A store that keeps its objects under `root`, as the posix one does: only localRoot is read.
  guard = { store: { localRoot: root } };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(path: string, g: TargetGuard = guard): Promise<unknown> {
  try {
    await checkRestoreTarget(await resolveVolumePath(path, 'restore target'), g);
    return null;
  } catch (err) {
    return err;
  }
}

describe('checkRestoreTarget', () => {
  it('refuses a stored object, a new file in a container, and the store directory, by path', async () => {
    for (const path of [object, join(root, 'ab', 'cd', 'new.img'), root, join(dir, 'store', '..', 'store', 'ab')]) {
      expect(await refusal(path), path).toMatchObject({ code: 'E_INVALID_VOLUME', message: expect.stringContaining('inside the store') });
    }
  });

  it('refuses a symlink to a stored object, and a path through a symlinked directory', async () => {
    await symlink(object, join(dir, 'to-object'));
    await symlink(join(root, 'ab'), join(dir, 'to-container'));
    expect(await refusal(join(dir, 'to-object'))).toMatchObject({ code: 'E_INVALID_VOLUME' });
    expect(await refusal(join(dir, 'to-container', 'cd', 'new.img'))).toMatchObject({ code: 'E_INVALID_VOLUME' });
  });

  it('refuses a hard link to a stored object', async () => {
    await link(object, join(dir, 'hard-link'));
    expect(await refusal(join(dir, 'hard-link'))).toMatchObject({
      code: 'E_INVALID_VOLUME',
      message: expect.stringContaining('hard links'),
    });
  });

  it('refuses the store reached through a bind mount (where mounting is allowed)', async (t) => {
    const mnt = join(dir, 'bind');
    await mkdir(mnt);
    try {
      execFileSync('mount', ['--bind', root, mnt], { stdio: 'ignore' });
    } catch {
      return t.skip();
    }
    try {
      expect(await refusal(join(mnt, 'ab', 'cd', 'backup-00001'))).toMatchObject({ code: 'E_INVALID_VOLUME' });
      expect(await refusal(join(mnt, 'ab', 'cd', 'new.img'))).toMatchObject({ code: 'E_INVALID_VOLUME' });
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it('accepts files beside the store, and one whose name starts like it', async () => {
    await writeFile(join(dir, 'store-copy.img'), 'x');
    expect(await refusal(join(dir, 'store-copy.img'))).toBeNull();
    expect(await refusal(join(dir, 'new.img'))).toBeNull();
    expect(await refusal(join(dir, 'new.img'), {})).toBeNull();
  });

  it('refuses a protected file, also through a symlink or another hard link', async () => {
    const source = join(dir, 'source.img');
    await writeFile(source, 'being backed up');
    await symlink(source, join(dir, 'source-link'));
    await link(source, join(dir, 'source-hard'));
    const protectedFiles = [{ ...fileIdentity(await stat(source, { bigint: true })), what: 'the volume of a backup in progress' }];
    for (const path of [source, join(dir, 'source-link'), join(dir, 'source-hard')]) {
      expect(await refusal(path, { protectedFiles }), path).toMatchObject({
        code: 'E_INVALID_VOLUME',
        message: expect.stringContaining('backup in progress'),
      });
    }
    expect(await refusal(join(dir, 'other.img'), { protectedFiles })).toBeNull();
  });
});

describe('checkBackupSource', () => {
  it('refuses a volume inside the store, directly or through a symlink, and accepts one outside', async () => {
    await expect(checkBackupSource(object, guard.store as { localRoot: string })).rejects.toMatchObject({ code: 'E_INVALID_VOLUME' });
    await symlink(object, join(dir, 'source-in-store'));
    await expect(checkBackupSource(join(dir, 'source-in-store'), { localRoot: root })).rejects.toMatchObject({ code: 'E_INVALID_VOLUME' });
    await writeFile(join(dir, 'outside.img'), 'x');
    await expect(checkBackupSource(join(dir, 'outside.img'), { localRoot: root })).resolves.toBeUndefined();
    await expect(checkBackupSource(object, {})).resolves.toBeUndefined();
  });
});
