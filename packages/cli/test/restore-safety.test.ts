import { execFileSync } from 'node:child_process';
import { link, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeVolume, sha256Hex } from '@volback/core/testing';
import { createPosixStore } from '@volback/driver-posix';
import { openBackupSource } from '../src/running-backups.js';
import { runCli } from './run-cli.js';

let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'volback-safety-'));
  env = { VOLBACK_STATE_DIR: join(dir, 'state') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A backup of `size` bytes in 128 KiB objects, in its own store; returns its id and its data objects' paths. */
async function backUp(
  name: string,
  size = 512 * 1024,
): Promise<{ store: string; id: string; image: string; data: Uint8Array; objects: string[] }> {
  const store = join(dir, `${name}-store`);
  const image = join(dir, `${name}.img`);
  const data = makeVolume(size, name.length);
  await writeFile(image, data);
  const r = await runCli(['backup', image, '--to', store, '--object-size', '128K', '--compression', 'none', '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  const id = (JSON.parse(r.stdout) as { id: string }).id;
  const container = join(store, id.slice(0, 2), id.slice(2, 4), id);
  const objects = (await readdir(container))
    .filter((n) => /-\d{5}$/.test(n))
    .sort()
    .map((n) => join(container, n));
  return { store, id, image, data, objects };
}

async function verifies(store: string, id: string): Promise<void> {
  const r = await runCli(['verify', id, '--store', store], env);
  expect(r.code, r.stderr).toBe(0);
}

describe('restore refuses a target that would damage the store', () => {
  it("refuses one of the backup's own object files, which stays intact", async () => {
    const b = await backUp('own-object');
    const object = b.objects[0] as string;
    const before = await readFile(object);
    const r = await runCli(['restore', b.id, object, '--from', b.store], env);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`E_INVALID_VOLUME: restore target ${object} lies inside the store`);
    expect(await readFile(object)).toEqual(before);
    await verifies(b.store, b.id);
  });

  it('refuses the same object through a symlink and through a hard link', async () => {
    const b = await backUp('linked-object');
    const object = b.objects[1] as string;
    await symlink(object, join(dir, 'object-symlink'));
    await link(object, join(dir, 'object-hardlink'));
    for (const target of [join(dir, 'object-symlink'), join(dir, 'object-hardlink')]) {
      const r = await runCli(['restore', b.id, target, '--from', b.store], env);
      expect(r.code, target).toBe(5);
      expect(r.stderr).toContain('E_INVALID_VOLUME');
    }
    await verifies(b.store, b.id);
  });

  it('refuses a new file inside a container, which would add an object to the backup', async () => {
    const b = await backUp('new-in-container');
    const target = join(b.objects[0] as string, '..', 'restored.img');
    const r = await runCli(['restore', b.id, target, '--from', b.store], env);
    expect(r.code).toBe(5);
    await expect(stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
    await verifies(b.store, b.id);
  });

  it('refuses to back up an image that lies inside the store, and writes nothing there', async () => {
    const b = await backUp('source-in-store');
    const inside = join(b.store, 'image-in-store.img');
    await writeFile(inside, makeVolume(64 * 1024, 3));
    for (const source of [inside, b.objects[0] as string]) {
      const r = await runCli(['backup', source, '--to', b.store], env);
      expect(r.code, source).toBe(5);
      expect(r.stderr).toContain('lies inside the store');
    }
    const listed = await runCli(['list', '--store', b.store, '--json'], env);
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((x) => x.id)).toEqual([b.id]);
  });
});

describe('restore refuses the volume of a backup in progress', () => {
  it('while a backup reads it (by path, symlink or hard link), and again once the backup has ended', async () => {
    const b = await backUp('running');
    const image = join(dir, 'being-backed-up.img');
    const old = makeVolume(256 * 1024, 77);
    await writeFile(image, old);
    await symlink(image, join(dir, 'being-backed-up-link'));
    await link(image, join(dir, 'being-backed-up-hardlink'));
    // What `volback backup` does before it reads its volume: here the "backup" is this process.
    const source = await openBackupSource({ ...io(), env: { ...process.env, ...env } }, image, createPosixStore({ root: b.store }));
    try {
      for (const target of [image, join(dir, 'being-backed-up-link'), join(dir, 'being-backed-up-hardlink')]) {
        const r = await runCli(['restore', b.id, target, '--from', b.store], env);
        expect(r.code, target).toBe(5);
        expect(r.stderr).toContain(`is the volume "${image}" of a backup in progress (pid ${process.pid}`);
      }
      expect(await readFile(image)).toEqual(Buffer.from(old));
    } finally {
      await source.close();
    }
    expect(await readdir(join(dir, 'state', 'running-backups'))).toEqual([]); // the backups of backUp() left none either
    await rm(join(dir, 'being-backed-up-hardlink'));
    const r = await runCli(['restore', b.id, image, '--from', b.store, '--force'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(sha256Hex(await readFile(image))).toBe(sha256Hex(b.data));
  });

  it('ignores the marker of a backup whose process is gone', async () => {
    const b = await backUp('stale-marker');
    const image = join(dir, 'stale.img');
    await writeFile(image, 'old');
    const st = await stat(image, { bigint: true });
    const markers = join(dir, 'state', 'running-backups');
    await mkdir(markers, { recursive: true });
    const dead = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));
    await writeFile(join(markers, `${dead}-0.json`), JSON.stringify({ pid: dead, path: image, dev: String(st.dev), ino: String(st.ino) }));
    const r = await runCli(['restore', b.id, image, '--from', b.store, '--force'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(await readdir(markers)).toEqual([]);
  });
});

describe('a restore that fails midway', () => {
  /** A backup whose last object has one byte flipped, so the restore fails after writing the others. */
  async function damaged(name: string) {
    const b = await backUp(name, 1024 * 1024);
    const last = b.objects.at(-1) as string;
    const bytes = await readFile(last);
    bytes[1000] = (bytes[1000] as number) ^ 0x10;
    await writeFile(last, bytes);
    return b;
  }
  const partials = async (): Promise<string[]> => (await readdir(dir)).filter((n) => n.includes('volback-partial'));

  it('into a new file leaves no file at the target name and no temporary file', async () => {
    const b = await damaged('fails-new');
    const target = join(dir, 'fails-new-restored.img');
    const r = await runCli(['restore', b.id, target, '--from', b.store], env);
    expect(r.code).toBe(3);
    await expect(stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await partials()).toEqual([]);
  });

  it('over an existing file leaves the old file byte-identical', async () => {
    const b = await damaged('fails-existing');
    const target = join(dir, 'fails-existing-restored.img');
    const old = makeVolume(3 * 1024 * 1024, 55);
    await writeFile(target, old);
    const r = await runCli(['restore', b.id, target, '--from', b.store, '--force'], env);
    expect(r.code).toBe(3);
    expect(sha256Hex(await readFile(target))).toBe(sha256Hex(old));
    expect(await partials()).toEqual([]);
  });

  it('onto a block device says the device is incomplete, with the error code (where loop devices are allowed)', async (t) => {
    const b = await damaged('fails-device');
    const file = join(dir, 'device-backing.img');
    await writeFile(file, new Uint8Array(1024 * 1024));
    let device: string;
    try {
      device = execFileSync('losetup', ['--find', '--show', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return t.skip();
    }
    try {
      const r = await runCli(['restore', b.id, device, '--from', b.store], env);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`${device} was written in place and the restore did not finish`);
      expect(r.stderr).toContain('Do not use it');
    } finally {
      execFileSync('losetup', ['--detach', device]);
    }
  });

  it('succeeds over an existing larger file with exactly the restored bytes', async () => {
    const b = await backUp('over-larger');
    const target = join(dir, 'over-larger-restored.img');
    await writeFile(target, new Uint8Array(5 * 1024 * 1024).fill(0xee));
    const r = await runCli(['restore', b.id, target, '--from', b.store, '--force'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(sha256Hex(await readFile(target))).toBe(sha256Hex(b.data));
  });
});

function io() {
  return { stdout: { write: () => true }, stderr: { write: () => true } };
}
