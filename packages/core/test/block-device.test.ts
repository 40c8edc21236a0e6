import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TargetNotEmptyError } from '../src/errors.js';
import { FileRestoreTarget } from '../src/restore-target.js';
import { makeVolume, sha256Hex } from '../src/testing/test-data.js';
import { FileVolumeSource } from '../src/volume-source.js';
import { newBackupRecord } from '../src/backup-record.js';
import { makeDriver } from './engine-helpers.js';

/** Attaches a loop device over `file`, or returns null where that is not allowed (not root, no loop driver). */
function attachLoop(file: string): string | null {
  try {
    return execFileSync('losetup', ['--find', '--show', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

const probeDir = await mkdtemp(join(tmpdir(), 'volback-loop-probe-'));
await writeFile(join(probeDir, 'p.img'), new Uint8Array(512));
const probe = attachLoop(join(probeDir, 'p.img'));
if (probe) execFileSync('losetup', ['--detach', probe]);
await rm(probeDir, { recursive: true, force: true });

describe.skipIf(!probe)('block devices (loop devices)', () => {
  let dir: string;
  const attached: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'volback-loop-'));
  });
  afterAll(async () => {
    for (const dev of attached) execFileSync('losetup', ['--detach', dev]);
    await rm(dir, { recursive: true, force: true });
  });

  it('backs up a block device, sized through sysfs, and restores onto another one, zeros included', async () => {
    const data = makeVolume(3 * 1024 * 1024 + 512 * 7, 3); // loop devices come in 512-byte sectors
    await writeFile(join(dir, 'src.img'), data);
    await writeFile(join(dir, 'dst.img'), new Uint8Array(data.length).fill(0xee));
    const src = attachLoop(join(dir, 'src.img')) as string;
    const dst = attachLoop(join(dir, 'dst.img')) as string;
    attached.push(src, dst);

    const source = await FileVolumeSource.open(src);
    expect(source.size).toBe(data.length);
    const ctx = makeDriver();
    const { record } = await ctx.driver.backup(newBackupRecord({ volumeId: 'loop-volume' }), source);
    await source.close();
    ctx.catalog.put(record);

    const target = await FileRestoreTarget.open(dst);
    expect(target.fresh).toBe(false);
    await ctx.driver.restore(record, 'v', target);
    await target.close();
    execFileSync('losetup', ['--detach', dst]);
    attached.splice(attached.indexOf(dst), 1);
    expect(sha256Hex(await readFile(join(dir, 'dst.img')))).toBe(sha256Hex(data));
  });

  it('refuses a device smaller than the volume, and one holding data unless asked to overwrite it, writing nothing', async () => {
    const small = join(dir, 'small.img');
    const marked = new Uint8Array(2 * 1024 * 1024);
    marked[marked.length - 100] = 1; // data in the last MiB only, as GPT's backup header is
    await writeFile(small, marked);
    const dev = attachLoop(small) as string;
    attached.push(dev);
    await expect(FileRestoreTarget.open(dev, { volumeBytes: 2 * 1024 * 1024 + 512 })).rejects.toThrow(
      `restore target ${dev} is a block device of 2097152 bytes, smaller than the volume of 2097664 bytes`,
    );
    await expect(FileRestoreTarget.open(dev, { volumeBytes: 2 * 1024 * 1024, refuseNonEmpty: true })).rejects.toBeInstanceOf(
      TargetNotEmptyError,
    );
    expect(Buffer.from(await readFile(small)).equals(Buffer.from(marked))).toBe(true);
    await (await FileRestoreTarget.open(dev, { volumeBytes: 2 * 1024 * 1024 })).close();
  });

  it('takes a zeroed device as empty', async () => {
    const zeroed = join(dir, 'zeroed.img');
    await writeFile(zeroed, new Uint8Array(3 * 1024 * 1024));
    const dev = attachLoop(zeroed) as string;
    attached.push(dev);
    await (await FileRestoreTarget.open(dev, { volumeBytes: 1024, refuseNonEmpty: true })).close();
  });
});
