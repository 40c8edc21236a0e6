import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newBackupRecord } from '@volback/core';
import { dataObjectName } from '@volback/core/format';
import { makeVolume, mutateVolume } from '@volback/core/testing';
import { createPosixStore } from '@volback/driver-posix';
import { pruneCommandFor } from '../src/commands/prune.js';
import { runCli } from './run-cli.js';

let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'volback-prune-'));
  env = { VOLBACK_STATE_DIR: join(dir, 'state') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What a backup killed after writing `objects` data objects leaves in a posix store. */
async function leaveCrashedBackup(root: string, createdAt: Date, objects: number): Promise<string> {
  const store = createPosixStore({ root, fsync: false });
  const record = newBackupRecord({ volumeId: 'vol', createdAt });
  const container = store.containerFor(record.id, null);
  const prefix = store.objectNamePrefix(record);
  await store.ensureContainer(container);
  for (let n = 1; n <= objects; n++) await store.putObject(container, dataObjectName(prefix, n), new Uint8Array(100));
  return record.id;
}

async function filesUnder(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
}

describe('volback list and prune, for what crashed backups leave', () => {
  it('list marks unfinished backups; prune removes the old ones, a dry run nothing, and never a backup', async () => {
    const store = join(dir, 'store');
    const image = join(dir, 'disk.img');
    const v0 = makeVolume(300 * 1024, 3);
    await writeFile(image, v0);
    const full = await runCli(['backup', image, '--to', store, '--volume-id', 'vol', '--object-size', '64K', '--json'], env);
    expect(full.code, full.stderr).toBe(0);
    await writeFile(image, mutateVolume(v0, 4));
    const incr = await runCli(['backup', image, '--to', store, '--volume-id', 'vol', '--incremental', '--json'], env);
    expect(incr.code, incr.stderr).toBe(0);
    const old = await leaveCrashedBackup(store, new Date(Date.now() - 8 * 24 * 3600 * 1000), 3);
    const young = await leaveCrashedBackup(store, new Date(), 2);

    const listed = await runCli(['list', '--store', store], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(
      new RegExp(
        `^partial: 3 object\\(s\\) of unfinished backup ${old} of volume vol, made 8 d ago .*: it crashed or was killed; remove with: volback prune --store ${store}$`,
        'm',
      ),
    );
    expect(listed.stdout).toMatch(
      new RegExp(
        `^partial: 2 object\\(s\\) of unfinished backup ${young} .*: a backup in progress, or one that crashed; .* --older-than 0 \\(if no backup is running\\)$`,
        'm',
      ),
    );

    const json = JSON.parse((await runCli(['list', '--store', store, '--json'], env)).stdout) as {
      kind: string;
      id?: string;
      backupId?: string;
      objectCount: number;
    }[];
    expect(json.map((e) => e.kind)).toEqual(['full', 'incremental', 'orphan', 'orphan']);
    expect(json.filter((e) => e.kind === 'orphan')).toEqual([
      expect.objectContaining({ backupId: old, objectCount: 3, removeWith: `volback prune --store ${store}` }),
      expect.objectContaining({ backupId: young, objectCount: 2, removeWith: `volback prune --store ${store} --older-than 0` }),
    ]);
    // An orphan has no `id`: a script taking ids from the list never takes one for a backup.
    expect(json.filter((e) => e.id !== undefined)).toHaveLength(2);

    const before = await filesUnder(store);
    const dry = await runCli(['prune', '--store', store, '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`^would remove 3 object\\(s\\) of unfinished backup ${old}`, 'm'));
    expect(await filesUnder(store)).toEqual(before);

    const pruned = await runCli(['prune', '--store', store], env);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toMatch(new RegExp(`^removed 3 object\\(s\\) of unfinished backup ${old}`, 'm'));
    expect(pruned.stdout).toMatch(`kept 1 unfinished backup(s) younger than 7 d, maybe still running: ${young}`);
    expect((await filesUnder(store)).filter((n) => n.includes(old))).toEqual([]);

    const now = JSON.parse((await runCli(['prune', '--store', store, '--older-than', '0', '--json'], env)).stdout) as {
      removed: { backupId: string }[];
    };
    expect(now.removed.map((o) => o.backupId)).toEqual([young]);
    expect((await runCli(['prune', '--store', store], env)).stdout).toBe('nothing to prune\n');
    expect((await runCli(['list', '--store', store], env)).stdout).not.toMatch(/partial/);
    const remaining = await filesUnder(store);
    expect(remaining).toHaveLength(before.length - 5);
    expect(remaining.every((n) => !n.includes(old) && !n.includes(young))).toBe(true);
    for (const id of [full, incr].map((r) => (JSON.parse(r.stdout) as { id: string }).id)) {
      expect((await runCli(['verify', id, '--store', store], env)).code).toBe(0);
    }
  });

  it('refuses a duration it cannot read, as a usage error', async () => {
    for (const bad of ['5x', '24', '-1h', '']) {
      const r = await runCli(['prune', '--store', join(dir, 'store'), `--older-than=${bad}`], env);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toMatch('--older-than must be a duration');
    }
  });

  it('prints the store in its hint only when it can hold no secret', () => {
    expect(pruneCommandFor('/srv/backups')).toBe('volback prune --store /srv/backups');
    expect(pruneCommandFor('file:///srv/backups', '0')).toBe('volback prune --store file:///srv/backups --older-than 0');
    expect(pruneCommandFor('s3://bucket/p?accessKeyId=x&secretAccessKey=TOPSECRET')).toBe('volback prune --store <store>');
    expect(pruneCommandFor('/srv/my backups')).toBe('volback prune --store <store>');
  });

  it('delete refuses a backup an incremental depends on, with exit 5', async () => {
    const store = join(dir, 'store-delete');
    const image = join(dir, 'disk-delete.img');
    const v0 = makeVolume(200 * 1024, 5);
    await writeFile(image, v0);
    const full = JSON.parse((await runCli(['backup', image, '--to', store, '--volume-id', 'd', '--json'], env)).stdout) as { id: string };
    await writeFile(image, mutateVolume(v0, 6));
    expect((await runCli(['backup', image, '--to', store, '--volume-id', 'd', '--incremental'], env)).code).toBe(0);
    const refused = await runCli(['delete', full.id, '--store', store], env);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(`E_INVALID_BACKUP: incremental backups depend on ${full.id}`);
    expect((await runCli(['verify', full.id, '--store', store], env)).code).toBe(0);
  });
});
