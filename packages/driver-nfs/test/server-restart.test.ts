import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  BufferRestoreTarget,
  BufferVolumeSource,
  ChunkedBackupDriver,
  newBackupRecord,
  type ObjectStore,
  VolbackError,
} from '@volback/core';
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

/**
 * `store`, whose `nth` call of `method` first waits for `during()` (the server's restart): the
 * calls before it have reached the old server, the ones after it reach the new one, and the calls
 * in flight meanwhile meet the restart. Nothing of the store's own behaviour is changed.
 */
function pausedOnce(store: ObjectStore, method: 'putObject' | 'getObject', nth: number, during: () => Promise<unknown>): ObjectStore {
  let calls = 0;
  const original = store[method].bind(store) as (...args: unknown[]) => Promise<never>;
  return {
    ...store,
    [method]: async (...args: unknown[]) => {
      if (++calls === nth) await during();
      return original(...args);
    },
  };
}

describeWithGanesha('a server restart in the middle of a backup', () => {
  let serversDir: string;
  const script = (command: string) =>
    run('bash', [SCRIPT, command], { env: { ...process.env, ...PORTS, VOLBACK_SERVERS_DIR: serversDir } });
  const storeOnOwnServer = () =>
    createNfsStore({ host: '127.0.0.1', export: '/export', nfsport: 20790, mountport: 20791, timeoutMs: 5000 });
  beforeAll(async () => {
    serversDir = await mkdtemp(join(tmpdir(), 'volback-nfs-restart-'));
    await script('start');
  }, 60_000);
  afterAll(async () => {
    await script('stop').catch(() => undefined);
    await rm(serversDir, { recursive: true, force: true });
  }, 60_000);

  it('fails cleanly with a typed error and leaves no _metadata (or recovers and restores bit-exact)', async () => {
    const store = storeOnOwnServer();
    let restarts = 0;
    const paused = pausedOnce(store, 'putObject', 12, () => script('restart').then(() => restarts++));
    const driver = new ChunkedBackupDriver(paused, { objectSize: MiB, compression: 'off' });
    const volume = makeVolume(32 * MiB, 91);
    const record = newBackupRecord({ volumeId: globalThis.crypto.randomUUID() });
    const outcome = await driver.backup(record, new BufferVolumeSource(volume)).then(
      (r) => ({ ok: true as const, record: r.record }),
      (err: unknown) => ({ ok: false as const, err }),
    );
    expect(restarts, 'ganesha restarted in the middle of the backup').toBe(1);
    const files = await filesBelow(join(serversDir, 'ganesha', 'export'));
    if (outcome.ok) {
      const target = new BufferRestoreTarget();
      await driver.restore(outcome.record, globalThis.crypto.randomUUID(), target);
      expect(sha256Hex(target.data)).toBe(sha256Hex(volume));
    } else {
      expect(outcome.err).toBeInstanceOf(VolbackError);
      expect((outcome.err as VolbackError).code).toBe('E_BACKEND');
      // The objects written before the restart were not committed under the new server's verifier;
      // or, when the restart outlasted the COMMITs' retries (a loaded machine), the flush gave up.
      expect((outcome.err as Error).message).toMatch(
        /restarted before the data was committed|RPC connection .* closed.*gave up after \d+ tries/,
      );
      expect(files.filter((f) => f.endsWith('_metadata'))).toEqual([]);
    }
    await store.close?.();
  }, 120_000);

  it('restores bit-exact across a restart: reads are sent again on a new connection', async () => {
    const store = storeOnOwnServer();
    const volume = makeVolume(32 * MiB, 92);
    const { record } = await new ChunkedBackupDriver(store, { objectSize: MiB, compression: 'off' }).backup(
      newBackupRecord({ volumeId: globalThis.crypto.randomUUID() }),
      new BufferVolumeSource(volume),
    );
    let restarts = 0;
    const paused = pausedOnce(store, 'getObject', 12, () => script('restart').then(() => restarts++));
    const target = new BufferRestoreTarget();
    await new ChunkedBackupDriver(paused, { objectSize: MiB, compression: 'off' }).restore(record, globalThis.crypto.randomUUID(), target);
    expect(restarts, 'ganesha restarted in the middle of the restore').toBe(1);
    expect(sha256Hex(target.data)).toBe(sha256Hex(volume));
    await store.close?.();
  }, 120_000);
});
