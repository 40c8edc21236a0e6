import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BufferRestoreTarget, BufferVolumeSource, ChunkedBackupDriver, newBackupRecord, VolbackError } from '@volback/core';
import { makeVolume, sha256Hex } from '@volback/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createNfsStore } from '../src/index.js';
import { describeWithGanesha } from './ganesha-server.js';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, '../../../tooling/servers/ganesha.sh');
// A ganesha of this test's own, so restarting it disturbs no other test file running meanwhile.
const PORTS = { VOLBACK_GANESHA_NFS_PORT: '20790', VOLBACK_GANESHA_MOUNT_PORT: '20791' };
const MiB = 1024 * 1024;

/** Every file below `dir`, relative. */
async function filesBelow(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

describeWithGanesha('a server restart in the middle of a backup', () => {
  let serversDir: string;
  const script = (command: string) =>
    run('bash', [SCRIPT, command], { env: { ...process.env, ...PORTS, VOLBACK_SERVERS_DIR: serversDir } });
  beforeAll(async () => {
    serversDir = await mkdtemp(join(tmpdir(), 'volback-nfs-restart-'));
    await script('start');
  }, 60_000);
  afterAll(async () => {
    await script('stop').catch(() => undefined);
    await rm(serversDir, { recursive: true, force: true });
  }, 60_000);

  it('fails cleanly with a typed error, leaving no _metadata, or recovers and restores bit-exact', async () => {
    const exportDir = join(serversDir, 'ganesha', 'export');
    const store = createNfsStore({ host: '127.0.0.1', export: '/export', nfsport: 20790, mountport: 20791, timeoutMs: 5000 });
    const driver = new ChunkedBackupDriver(store, { objectSize: MiB, compression: 'off' });
    const volume = makeVolume(48 * MiB, 91);
    const record = newBackupRecord({ volumeId: globalThis.crypto.randomUUID() });
    let restarted: Promise<unknown> | undefined;
    const backup = driver.backup(record, new BufferVolumeSource(volume), {
      onProgress: (p) => {
        // A third of the way in, ganesha is killed and started again on the same files.
        if (!restarted && p.bytesDone > 16 * MiB) {
          restarted = script('restart');
          // Awaited after the backup; until then its failure must not count as unhandled.
          restarted.catch(() => undefined);
        }
      },
    });
    const outcome = await backup.then(
      (r) => ({ ok: true as const, record: r.record }),
      (err: unknown) => ({ ok: false as const, err }),
    );
    await restarted;
    expect(restarted, 'the restart happened during the backup').toBeDefined();
    const files = await filesBelow(exportDir);
    if (outcome.ok) {
      const target = new BufferRestoreTarget();
      await driver.restore(outcome.record, globalThis.crypto.randomUUID(), target);
      expect(sha256Hex(target.data)).toBe(sha256Hex(volume));
      expect(files.some((f) => f.endsWith('_metadata'))).toBe(true);
    } else {
      expect(outcome.err).toBeInstanceOf(VolbackError);
      expect((outcome.err as VolbackError).code).toBe('E_BACKEND');
      expect(files.filter((f) => f.endsWith('_metadata'))).toEqual([]);
    }
    console.log(`backup across a ganesha restart: ${outcome.ok ? 'recovered' : `failed with ${(outcome.err as Error).message}`}`);
    await store.close?.();
  }, 120_000);
});
