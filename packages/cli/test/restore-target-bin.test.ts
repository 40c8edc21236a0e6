import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeVolume, sha256Hex } from '@volback/core/testing';
import { volback } from './run-bin.js';

let dir: string;
let env: Record<string, string>;
let store: string;
let id: string;
const data = makeVolume(2 * 1024 * 1024 + 4096, 9);
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'volback-target-bin-'));
  env = { VOLBACK_STATE_DIR: join(dir, 'state'), VOLBACK_PLUGINS_DIR: join(dir, 'no-plugins') };
  store = join(dir, 'store');
  await writeFile(join(dir, 'disk.img'), data);
  const r = volback(['backup', join(dir, 'disk.img'), '--to', store, '--json'], env);
  expect(r.status, r.stderr).toBe(0);
  id = (JSON.parse(r.stdout) as { id: string }).id;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A loop device over a new file of `bytes` (its content: `fill`); null where loop devices are not allowed, outside CI. */
async function loopDevice(name: string, bytes: number, fill: number): Promise<string | null> {
  const file = join(dir, name);
  await writeFile(file, new Uint8Array(bytes).fill(fill));
  try {
    return execFileSync('losetup', ['--find', '--show', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    // CI runs as root with loop devices: there a skip would hide the size check going untested.
    if (process.env.CI === 'true') throw err;
    return null;
  }
}

describe('volback restore target checks (built binary)', () => {
  it('refuses to overwrite a non-empty file without --force, saying its size; takes an empty one; --force overwrites', async () => {
    const target = join(dir, 'existing.img');
    await writeFile(target, new Uint8Array(3 * 1024 * 1024).fill(0xee));
    const refused = volback(['restore', id.slice(0, 8), target, '--from', store], env);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`E_USAGE: restore target ${target} is a file of 3.00 MiB: --force overwrites it`);
    expect((await readFile(target)).every((b) => b === 0xee)).toBe(true);

    const empty = join(dir, 'empty.img');
    await writeFile(empty, '');
    expect(volback(['restore', id, empty, '--from', store], env).status).toBe(0);
    expect(sha256Hex(await readFile(empty))).toBe(sha256Hex(data));

    const forced = volback(['restore', id, target, '--from', store, '--force'], env);
    expect(forced.status, forced.stderr).toBe(0);
    expect(sha256Hex(await readFile(target))).toBe(sha256Hex(data));
  });

  it('refuses a block device smaller than the volume, with both sizes, and one holding data without --force', async (t) => {
    const small = await loopDevice('small.img', 1024 * 1024, 0);
    const used = await loopDevice('used.img', 3 * 1024 * 1024, 0x5a);
    if (!small || !used) {
      for (const dev of [small, used]) if (dev) execFileSync('losetup', ['--detach', dev]);
      return t.skip();
    }
    try {
      const r = volback(['restore', id, small, '--from', store, '--force'], env);
      expect(r.status).toBe(5);
      expect(r.stderr).toContain(
        `E_INVALID_VOLUME: restore target ${small} is a block device of 1048576 bytes, smaller than the volume of 2101248 bytes`,
      );
      expect((await readFile(join(dir, 'small.img'))).every((b) => b === 0)).toBe(true);

      const refused = volback(['restore', id, used, '--from', store], env);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain(`restore target ${used} is a block device of 3.00 MiB that holds data: --force overwrites it`);
      expect((await readFile(join(dir, 'used.img'))).every((b) => b === 0x5a)).toBe(true);
      const forced = volback(['restore', id, used, '--from', store, '--force'], env);
      expect(forced.status, forced.stderr).toBe(0);
      expect(sha256Hex((await readFile(join(dir, 'used.img'))).subarray(0, data.length))).toBe(sha256Hex(data));
    } finally {
      for (const dev of [small, used]) execFileSync('losetup', ['--detach', dev]);
    }
  });
});
