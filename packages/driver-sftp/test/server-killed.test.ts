import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BufferRestoreTarget, BufferVolumeSource, ChunkedBackupDriver, MemoryCatalog, newBackupRecord, VolbackError } from '@volback/core';
import { makeVolume, sha256Hex } from '@volback/core/testing';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { createSftpStore } from '../src/index.js';
import { configFor, describeWithSshd, freshRoot } from './sftp-server.js';

const SSHD = '/usr/sbin/sshd';

/** Every process below `pid` (sshd forks one or two per connection), from /proc. */
async function descendantsOf(pid: number): Promise<number[]> {
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const direct = children.split(/\s+/).filter(Boolean).map(Number);
  return [...direct, ...(await Promise.all(direct.map(descendantsOf))).flat()];
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describeWithSshd('the server killed in the middle of a backup', (server) => {
  // A second sshd like the test server's, on a port of its own, that this test may kill.
  const port = server.port + 50;
  let config = '';
  let sshd: ChildProcess | undefined;
  beforeAll(async () => {
    if (!server.sshdConfig) throw new Error('VOLBACK_TEST_SFTP_SSHD_CONFIG is not set: start the server with tooling/servers/sshd.sh');
    config = join(server.root, `sshd_config-${port}`);
    await writeFile(config, (await readFile(server.sshdConfig, 'utf8')).replace(/^Port .*$/m, `Port ${port}`));
  });
  const start = async (): Promise<void> => {
    sshd = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await portOpen(port)); i++) await sleep(20);
  };
  /** SIGKILL to the listener and every session process: every connection drops at once. */
  const kill = async (): Promise<void> => {
    const pid = sshd?.pid;
    if (pid === undefined) return;
    for (const p of [...(await descendantsOf(pid)), pid]) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    sshd = undefined;
  };
  afterEach(kill);

  /** A backup of 24 MiB in 1 MiB objects on the second sshd, which is killed once 4 objects are stored; then `afterKill` runs. */
  async function backupWithKill(
    root: string,
    afterKill: () => Promise<void>,
    retry?: { attempts: number; baseDelayMs: number; maxDelayMs: number },
  ) {
    const known = join(server.root, `known_hosts-${port}`);
    await writeFile(known, (await readFile(server.knownHosts, 'utf8')).replace(`:${server.port} `, `:${port} `));
    const store = createSftpStore(configFor(server, root, { port, knownHosts: known, connectTimeoutMs: 3000 }));
    const driver = new ChunkedBackupDriver(store, {
      catalog: new MemoryCatalog(),
      objectSize: 1024 * 1024,
      compression: 'off',
      workers: 0,
      ...(retry ? { retry } : {}),
    });
    const volume = makeVolume(24 * 1024 * 1024, 5);
    let killed: Promise<void> | undefined;
    const record = newBackupRecord({ volumeId: globalThis.crypto.randomUUID() });
    const outcome = await driver
      .backup(record, new BufferVolumeSource(volume), {
        onProgress: (e) => {
          if (e.objectsDone >= 4 && !killed) killed = kill().then(afterKill);
        },
      })
      .then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
    await killed;
    return { outcome, driver, volume, store };
  }

  /** Every file below `dir`, as paths relative to it. */
  async function filesBelow(dir: string): Promise<string[]> {
    return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  }

  it('recovers when the server comes back: the backup completes and restores bit-exact', async () => {
    await start();
    const root = await freshRoot(server, 'killed-back');
    const { outcome, driver, volume, store } = await backupWithKill(root, async () => {
      await sleep(300);
      await start();
    });
    expect('error' in outcome ? String(outcome.error) : undefined).toBeUndefined();
    const { result } = outcome as { result: Awaited<ReturnType<typeof driver.backup>> };
    const target = new BufferRestoreTarget();
    await driver.restore(result.record, result.record.volumeId, target);
    expect(sha256Hex(target.data)).toBe(sha256Hex(volume));
    await store.close?.();
  });

  it('fails with a typed error when the server stays down, and leaves no _metadata for the partial backup', async () => {
    await start();
    const root = await freshRoot(server, 'killed-down');
    const { outcome, store } = await backupWithKill(root, async () => undefined, { attempts: 3, baseDelayMs: 50, maxDelayMs: 100 });
    expect('error' in outcome).toBe(true);
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(VolbackError);
    // Typed, naming the lost connection; the engine's retries gave up, so it is no longer transient.
    expect(error).toMatchObject({ code: 'E_BACKEND' });
    expect((error as Error).message).toMatch(/ECONN(REFUSED|RESET)/);
    const files = await filesBelow(root);
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => f.endsWith('_metadata'))).toEqual([]);
    await store.close?.();
  });
});
