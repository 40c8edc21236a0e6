import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeVolume, mutateVolume, sha256Hex } from '@volback/core/testing';
import { runCli } from './run-cli.js';

let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'volback-cli-'));
  env = { VOLBACK_STATE_DIR: join(dir, 'state') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function ids(store: string): Promise<string[]> {
  const { stdout, code } = await runCli(['list', '--store', store, '--json'], env);
  expect(code).toBe(0);
  return (JSON.parse(stdout) as { id: string }[]).map((r) => r.id);
}

describe('volback CLI on the posix driver', () => {
  it('backs up, backs up incrementally, restores both points, verifies, exports, imports and deletes', async () => {
    const store = join(dir, 'store');
    const image = join(dir, 'disk.img');
    const v1 = makeVolume(3 * 1024 * 1024 + 333, 21);
    await writeFile(image, v1);
    const full = await runCli(['backup', image, '--to', store, '--name', 'first', '--compression', 'zlib'], env);
    expect(full.code, full.stderr).toBe(0);
    expect(full.stdout).toMatch(/^full backup [0-9a-f-]{36} of volume/);

    const v2 = mutateVolume(v1, 22);
    await writeFile(image, v2);
    const incr = await runCli(['backup', image, '--to', `file://${store}`, '--incremental'], env);
    expect(incr.code, incr.stderr).toBe(0);
    expect(incr.stdout).toMatch(/^incremental backup/);

    const [id1, id2] = await ids(store);
    for (const [id, want] of [
      [id1, v1],
      [id2, v2],
    ] as const) {
      const out = join(dir, `restored-${id}.img`);
      const r = await runCli(['restore', id as string, out, '--from', store], env);
      expect(r.code, r.stderr).toBe(0);
      expect(sha256Hex(await readFile(out))).toBe(sha256Hex(want));
    }
    expect((await runCli(['verify', id2 as string, '--store', store], env)).code).toBe(0);

    const show = await runCli(['show', id1 as string, '--store', store, '--json'], env);
    expect(JSON.parse(show.stdout)).toMatchObject({ id: id1, kind: 'full', dependents: [id2], name: 'first' });

    const refused = await runCli(['delete', id1 as string, '--store', store], env);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('incremental backups depend on');

    const exported = await runCli(['export', id2 as string, '--store', store], env);
    expect(JSON.parse(exported.stdout).backup_service).toBe('cinder.backup.drivers.posix.PosixBackupDriver');
    const exportFile = join(dir, 'export.json');
    await writeFile(exportFile, exported.stdout);
    expect((await runCli(['import', exportFile, '--store', store], env)).code).toBe(0);

    expect((await runCli(['delete', id2 as string, '--store', store], env)).code).toBe(0);
    expect(await ids(store)).toEqual([id1]);
    const imported = await runCli(['import', exportFile, '--store', store], env);
    expect(imported.code).toBe(4);
    expect(imported.stderr).toContain('E_NOT_FOUND');
  });

  it("backs up incrementally on its own volume's latest backup, whatever another volume's backups hold", async () => {
    const store = join(dir, 'two-volumes');
    const mine = join(dir, 'mine.img');
    const other = join(dir, 'other.img');
    await writeFile(mine, makeVolume(512 * 1024, 31));
    await writeFile(other, makeVolume(256 * 1024, 32));
    expect((await runCli(['backup', mine, '--to', store, '--volume-id', 'vol-mine'], env)).code).toBe(0);
    expect((await runCli(['backup', other, '--to', store, '--volume-id', 'vol-other'], env)).code).toBe(0);
    const all = JSON.parse((await runCli(['list', '--store', store, '--json'], env)).stdout) as { id: string; volumeId: string }[];
    const mineId = all.find((r) => r.volumeId === 'vol-mine')?.id;
    const otherId = all.find((r) => r.volumeId === 'vol-other')?.id;
    // The other volume's _metadata is damaged: a listing of the whole store now fails on it.
    const container = join(store, (otherId as string).slice(0, 2), (otherId as string).slice(2, 4), otherId as string);
    const meta = (await readdir(container)).find((n) => n.endsWith('_metadata')) as string;
    await writeFile(join(container, meta), '{"damaged');
    // The listing goes on past it, and shows it damaged; no command can use it.
    const withDamaged = await runCli(['list', '--store', store, '--json'], env);
    expect(withDamaged.code, withDamaged.stderr).toBe(0);
    expect(JSON.parse(withDamaged.stdout)).toEqual([
      expect.objectContaining({ id: mineId, status: 'ok' }),
      expect.objectContaining({ kind: 'damaged', id: otherId, volumeId: 'vol-other', code: 'E_INVALID_BACKUP' }),
    ]);
    expect((await runCli(['restore', otherId as string, join(dir, 'never.img'), '--from', store], env)).code).toBe(5);

    const incr = await runCli(['backup', mine, '--to', store, '--volume-id', 'vol-mine', '--incremental', '--json'], env);
    expect(incr.code, incr.stderr).toBe(0);
    expect(JSON.parse(incr.stdout)).toMatchObject({ parentId: mineId });
    const listed = await runCli(['list', '--store', store, '--volume-id', 'vol-mine', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { volumeId: string }[]).map((r) => r.volumeId)).toEqual(['vol-mine', 'vol-mine']);
  });

  it('reports a damaged backup with E_INTEGRITY and exit status 3', async () => {
    const store = join(dir, 'damaged');
    const image = join(dir, 'd.img');
    await writeFile(image, makeVolume(1024 * 1024, 5));
    expect((await runCli(['backup', image, '--to', store, '--compression', 'none'], env)).code).toBe(0);
    const [id] = await ids(store);
    const container = join(store, (id as string).slice(0, 2), (id as string).slice(2, 4), id as string);
    const object = (await readdir(container)).find((n) => n.endsWith('-00001')) as string;
    const bytes = await readFile(join(container, object));
    bytes[100] = (bytes[100] as number) ^ 1;
    await writeFile(join(container, object), bytes);
    const r = await runCli(['verify', id as string, '--store', store], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`E_INTEGRITY: ${object}`);
  });

  it('runs the conformance suite on a directory and leaves it as it found it', async () => {
    const root = join(dir, 'conformance-root');
    await mkdir(root);
    const r = await runCli(['conformance', root], env);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/PASS .*Cinder compatibility › restores Cinder's zlib\/incr2 backup/);
    expect(await readdir(root)).toEqual([]);
  }, 120_000);

  it('stops its worker threads when a command ends, so a host can call main() again and again', async () => {
    const store = join(dir, 'threads-store');
    const image = join(dir, 'threads.img');
    await writeFile(image, makeVolume(256 * 1024, 31));
    const threads = async () => Number(/^Threads:\s+(\d+)/m.exec(await readFile('/proc/self/status', 'utf8'))?.[1]);
    expect((await runCli(['backup', image, '--to', store], env)).code).toBe(0);
    const before = await threads();
    for (let i = 0; i < 3; i++) expect((await runCli(['backup', image, '--to', store], env)).code).toBe(0);
    // Each backup starts a worker per core; none may outlive it.
    expect(await threads()).toBeLessThanOrEqual(before);
  });

  it('refuses an export record that is not JSON, and a zlib level zlib has not, with exit status 2', async () => {
    const bad = await runCli(['import', '{"backup_url": '], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not valid JSON/);
    const image = join(dir, 'level.img');
    await writeFile(image, makeVolume(64 * 1024, 32));
    const level = await runCli(['backup', image, '--to', join(dir, 'level-store'), '--compression', 'zlib', '--level', '15'], env);
    expect(level.code).toBe(2);
    expect(level.stderr).toMatch(/zlib level must be an integer from -1 to 9, got 15/);
  });

  it('explains wrong command lines with exit status 2', async () => {
    expect((await runCli([], env)).code).toBe(2);
    expect((await runCli(['frobnicate'], env)).stderr).toContain("unknown command 'frobnicate'");
    const noStore = await runCli(['list'], { ...env, VOLBACK_STORE: '' });
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toContain('no store given');
    const both = await runCli(['backup', 'x.img', '--to', dir, '--incremental', '--parent', 'p'], env);
    expect(both.code).toBe(2);
    const badCodec = await runCli(['backup', join(dir, 'd.img'), '--to', dir, '--compression', 'lz4'], env);
    expect(badCodec.code).toBe(6);
    expect(badCodec.stderr).toContain('lz4');
    const first = await runCli(['backup', join(dir, 'd.img'), '--to', join(dir, 'empty-store'), '--incremental'], env);
    expect(first.stderr).toContain('make a full backup first');
  });
});

describe('volback --help', () => {
  it('lists every exit status with its error codes', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('3 E_INTEGRITY');
    expect(stdout).toContain('5 E_INVALID_BACKUP/E_INVALID_VOLUME');
    expect(stdout).toContain('130 E_CANCELLED');
  });
});
