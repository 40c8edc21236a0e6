import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newBackupRecord } from '@volback/core';
import { dataObjectName } from '@volback/core/format';
import { makeVolume, mutateVolume, sha256Hex } from '@volback/core/testing';
import { createPosixStore } from '@volback/driver-posix';
import { volback } from './run-bin.js';

// Every command here runs the built binary, as an installed `volback` runs.
let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'volback-ids-bin-'));
  env = { VOLBACK_STATE_DIR: join(dir, 'state'), VOLBACK_PLUGINS_DIR: join(dir, 'no-plugins') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Backs up `data` with the given id (and parent), returning the id. */
async function backUp(store: string, data: Uint8Array, id: string, extra: string[] = []): Promise<string> {
  const image = join(dir, `${id}.img`);
  await writeFile(image, data);
  const r = volback(['backup', image, '--to', store, '--id', id, '--object-size', '64K', '--compression', 'none', ...extra], env);
  expect(r.status, r.stderr).toBe(0);
  return id;
}

/** A chain full ← a ← b, and a second incremental c on the full, of volume `vol`; another volume's backup `other`. */
async function chainStore(name: string): Promise<{ store: string; v0: Uint8Array; v1: Uint8Array }> {
  const store = join(dir, name);
  const v0 = makeVolume(256 * 1024, 1);
  const v1 = mutateVolume(v0, 2);
  await backUp(store, v0, '3f2a0000-full', ['--volume-id', 'vol']);
  await backUp(store, v1, '3f2a1111-incr-a', ['--volume-id', 'vol', '--parent', '3f2a0000']);
  await backUp(store, mutateVolume(v1, 3), '3f2b2222-incr-b', ['--volume-id', 'vol', '--parent', '3f2a1111']);
  await backUp(store, mutateVolume(v0, 4), '9c000000-incr-c', ['--volume-id', 'vol', '--parent', '3f2a0000-full']);
  await backUp(store, makeVolume(64 * 1024, 5), '7e000000-other', ['--volume-id', 'other']);
  return { store, v0, v1 };
}

/** The objects of a backup that crashed before its _metadata: what `list` shows as partial. */
async function leaveCrashedBackup(root: string, volumeId: string): Promise<string> {
  const store = createPosixStore({ root, fsync: false });
  const record = newBackupRecord({ volumeId, id: 'dead0000-crashed' });
  const container = store.containerFor(record.id, null);
  const prefix = store.objectNamePrefix(record);
  await store.ensureContainer(container);
  await store.putObject(container, dataObjectName(prefix, 1), new Uint8Array(100));
  return record.id;
}

/** Overwrites a backup's _metadata with `text`. */
async function damageMetadata(store: string, id: string, text: string): Promise<void> {
  const container = join(store, id.slice(0, 2), id.slice(2, 4), id);
  const name = (await readdir(container)).find((n) => n.endsWith('_metadata')) as string;
  await writeFile(join(container, name), text);
}

/** The table's rows as cells, split on the runs of 2+ spaces between columns (the time has single spaces). */
function rowsOf(table: string): string[][] {
  return table
    .trimEnd()
    .split('\n')
    .map((line) => line.split(/ {2,}/));
}

describe('volback list (built binary)', () => {
  it('prints a table whose ids are unique prefixes that restore takes; statuses for damaged, partial and missing parents', async () => {
    const { store, v1 } = await chainStore('list-store');
    await leaveCrashedBackup(store, 'vol');
    await damageMetadata(store, '7e000000-other', '{"version": "1.0.0", "\u001b[2Jhostile');
    // An incremental whose parent is no longer in the store (copied from elsewhere, say).
    await backUp(store, makeVolume(64 * 1024, 6), '55000000-lonely', ['--volume-id', 'lone']);
    await backUp(store, makeVolume(64 * 1024, 7), '56000000-orphan-incr', ['--volume-id', 'lone', '--parent', '55000000']);
    const container = join(store, '55', '00', '55000000-lonely');
    for (const n of await readdir(container)) await rm(join(container, n));

    const r = volback(['list', '--store', store], env);
    expect(r.status, r.stderr).toBe(0);
    const [header, ...rows] = rowsOf(r.stdout.split('\npartial: ')[0] as string);
    expect(header).toEqual(['ID', 'VOLUME', 'PARENT', 'CREATED (UTC)', 'SIZE', 'OBJECTS', 'STATUS', 'NAME']);
    const byId = new Map(rows.map((row) => [row[0], row]));
    // 3f2a0000-full and 3f2a1111-incr-a share 4 characters, so 8 tell them apart; so does the parent column.
    expect(byId.get('3f2a1111')?.slice(1, 3)).toEqual(['vol', '3f2a0000']);
    expect(byId.get('3f2a1111')?.[6]).toBe('ok');
    expect(byId.get('56000000')?.[6]).toBe('incremental, parent missing');
    expect(byId.get('dead0000')?.slice(1, 2)).toEqual(['vol']);
    expect(byId.get('dead0000')?.[6]).toBe('partial');
    expect(byId.get('7e000000')?.[6]).toMatch(/^damaged: E_INVALID_BACKUP: _metadata is not valid JSON/);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout).toMatch(/^partial: 1 object\(s\) of unfinished backup dead0000-crashed .*volback prune --store /m);

    // Each printed id is taken by restore (and the damaged one is still refused as before).
    const out = join(dir, 'restored-by-prefix.img');
    const restored = volback(['restore', '3f2a1111', out, '--from', store], env);
    expect(restored.status, restored.stderr).toBe(0);
    expect(sha256Hex(await readFile(out))).toBe(sha256Hex(v1));
    expect(volback(['restore', '7e000000', join(dir, 'never.img'), '--from', store], env).status).toBe(5);

    const json = JSON.parse(volback(['list', '--store', store, '--json'], env).stdout) as Record<string, unknown>[];
    expect(json.find((e) => e.id === '3f2a1111-incr-a')).toMatchObject({ status: 'ok', parentId: '3f2a0000-full' });
    expect(json.find((e) => e.id === '7e000000-other')).toMatchObject({ kind: 'damaged', code: 'E_INVALID_BACKUP' });
    expect(json.find((e) => e.kind === 'orphan')).toMatchObject({ backupId: 'dead0000-crashed' });
  });

  it('--volume-id filters every kind of row, and an empty store says no backups', async () => {
    const { store } = await chainStore('filter-store');
    await leaveCrashedBackup(store, 'other');
    const r = volback(['list', '--store', store, '--volume-id', 'other'], env);
    expect(r.status, r.stderr).toBe(0);
    const ids = rowsOf(r.stdout.split('\npartial: ')[0] as string)
      .slice(1)
      .map((row) => row[0]);
    expect(ids).toEqual(['7e000000', 'dead0000']);
    const empty = join(dir, 'empty-store');
    await backUp(empty, makeVolume(64 * 1024, 8), 'only-one');
    expect(volback(['delete', 'only-one', '--store', empty], env).status).toBe(0);
    expect(volback(['list', '--store', empty], env).stdout).toBe('no backups\n');
  });
});

describe('backup id prefixes (built binary)', () => {
  it('an ambiguous prefix is a usage error listing the candidates; a unique one works for every command', async () => {
    const { store } = await chainStore('prefix-store');
    for (const args of [
      ['show', '3f2a'],
      ['verify', '3f2a'],
      ['export', '3f2a'],
      ['delete', '3f2a'],
      ['restore', '3f2a', join(dir, 'x.img')],
    ]) {
      const r = volback([...args, '--store', store], env);
      expect(r.status, args[0]).toBe(2);
      expect(r.stderr).toContain('E_USAGE: <backup-id> "3f2a" is the beginning of 2 backup ids');
      expect(r.stderr).toMatch(/^ID +VOLUME +CREATED \(UTC\)$/m);
      expect(r.stderr).toMatch(/^3f2a0000-full +vol +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
      expect(r.stderr).toMatch(/^3f2a1111-incr-a +vol /m);
    }
    const parent = volback(['backup', join(dir, '3f2a0000-full.img'), '--to', store, '--volume-id', 'vol', '--parent', '3f2a'], env);
    expect(parent.status).toBe(2);
    expect(parent.stderr).toContain('--parent "3f2a" is the beginning of 2 backup ids');
    for (const args of [
      ['verify', '3f2b'],
      ['export', '3f2b2'],
      ['show', '9c00', '--json'],
    ]) {
      const r = volback([...args, '--store', store], env);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    expect(volback(['show', '3f2', '--store', store], env).status).toBe(4); // below 4 characters only an exact id
    expect(volback(['show', 'ffff', '--store', store], env).status).toBe(4);
  });
});

describe('volback show (built binary)', () => {
  it('prints the record, then the chain from the full backup with the dependants beneath as a tree', async () => {
    const { store } = await chainStore('show-store');
    const r = volback(['show', '3f2a1111', '--store', store], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^id: +3f2a1111-incr-a$/m);
    expect(r.stdout).toMatch(/^parent: +3f2a0000-full$/m);
    expect(r.stdout).toMatch(/^kind: +incremental$/m);
    const tree = r.stdout.split('chain:\n')[1]?.trimEnd().split('\n');
    expect(tree?.map((l) => l.replace(/ {2}(full|incremental) {2}.*?( {3}<- this backup)?$/, '$2'))).toEqual([
      '3f2a0000-full',
      '└─ 3f2a1111-incr-a   <- this backup',
      '   └─ 3f2b2222-incr-b',
    ]);
    const full = volback(['show', '3f2a0000', '--store', store, '--json'], env);
    expect(JSON.parse(full.stdout)).toMatchObject({
      chain: ['3f2a0000-full'],
      dependents: ['9c000000-incr-c', '3f2a1111-incr-a'],
      dependentsTree: [
        { id: '9c000000-incr-c', dependents: [] },
        { id: '3f2a1111-incr-a', dependents: [{ id: '3f2b2222-incr-b', dependents: [] }] },
      ],
    });
    const fullTree = volback(['show', '3f2a0000', '--store', store], env).stdout.split('chain:\n')[1] ?? '';
    expect(fullTree).toMatch(/^3f2a0000-full .* <- this backup\n├─ 9c000000-incr-c .*\n└─ 3f2a1111-incr-a .*\n {3}└─ 3f2b2222-incr-b /);
  });
});

describe('volback delete (built binary)', () => {
  it('refuses a backup others depend on, naming them; --dry-run shows and --force deletes the chain, leaves first', async () => {
    const { store } = await chainStore('delete-store');
    const refused = volback(['delete', '3f2a0000', '--store', store], env);
    expect(refused.status).toBe(5);
    expect(refused.stderr).toContain(
      'E_INVALID_BACKUP: incremental backups depend on 3f2a0000-full: 9c000000-incr-c (incremental of 3f2a0000-full, ',
    );
    expect(refused.stderr).toContain('3f2b2222-incr-b (incremental of 3f2a1111-incr-a, ');
    expect(refused.stderr).toContain('3f2a1111-incr-a (incremental of 3f2a0000-full, ');
    expect(refused.stderr).toContain('--force deletes them too');

    const dry = volback(['delete', '3f2a0000', '--store', store, '--force', '--dry-run'], env);
    expect(dry.stdout.trimEnd().split('\n')).toEqual([
      'would delete backup 9c000000-incr-c',
      'would delete backup 3f2b2222-incr-b',
      'would delete backup 3f2a1111-incr-a',
      'would delete backup 3f2a0000-full',
    ]);
    const before = JSON.parse(volback(['list', '--store', store, '--json'], env).stdout) as { id: string }[];
    expect(before).toHaveLength(5);

    const forced = volback(['delete', '3f2a0000', '--store', store, '--force', '--json'], env);
    expect(forced.status, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toEqual({
      id: '3f2a0000-full',
      deleted: ['9c000000-incr-c', '3f2b2222-incr-b', '3f2a1111-incr-a', '3f2a0000-full'],
    });
    const after = JSON.parse(volback(['list', '--store', store, '--json'], env).stdout) as { id: string }[];
    expect(after.map((e) => e.id)).toEqual(['7e000000-other']);
  });
});
