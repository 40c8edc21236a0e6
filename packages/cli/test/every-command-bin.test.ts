import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeVolume, mutateVolume } from '@volback/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin } from './run-bin.js';

// The commands the other end-to-end files leave out (backup, restore, list, show, delete,
// targets and completion have files of their own), run through the built command in order.
let dir: string;
let env: Record<string, string>;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'volback-every-command-'));
  env = { VOLBACK_STATE_DIR: join(dir, 'state'), HOME: join(dir, 'home'), XDG_CONFIG_HOME: join(dir, 'xdg') };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the built volback command', () => {
  it('verifies, exports, imports (from a file and from stdin) and prunes', () => {
    const store = join(dir, 'store');
    const image = join(dir, 'disk.img');
    const v1 = makeVolume(2 * 1024 * 1024 + 5, 61);
    writeFileSync(image, v1);
    const full = runBin(['backup', image, '--to', store, '--json'], { env });
    expect(full.status, full.stderr).toBe(0);
    const id1 = (JSON.parse(full.stdout) as { id: string }).id;
    writeFileSync(image, mutateVolume(v1, 62));
    const incr = runBin(['backup', image, '--to', store, '--incremental', '-q'], { env });
    expect(incr.status, incr.stderr).toBe(0);
    const id2 = incr.stdout.trim();
    expect(id2).toMatch(/^[0-9a-f-]{36}$/);

    // --quiet list: the whole ids, a line each, for a script; --json: one document on one line.
    expect(runBin(['list', '--store', store, '-q'], { env }).stdout).toBe(`${id1}\n${id2}\n`);
    const listed = runBin(['list', '--store', store, '--json'], { env }).stdout;
    expect(listed.split('\n')).toEqual([expect.any(String), '']);
    expect((JSON.parse(listed) as { id: string }[]).map((r) => r.id)).toEqual([id1, id2]);

    const verify = runBin(['verify', id2.slice(0, 8), '--store', store, '--json'], { env });
    expect(verify.status, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ id: id2, ok: true, chain: [id1, id2] });

    const exported = runBin(['export', id2.slice(0, 8), '--store', store], { env });
    expect(exported.status, exported.stderr).toBe(0);
    const record = JSON.parse(exported.stdout) as { backup_service: string; backup_url: string };
    expect(record.backup_service).toBe('cinder.backup.drivers.posix.PosixBackupDriver');
    const file = join(dir, 'export.json');
    writeFileSync(file, exported.stdout);

    expect(runBin(['import', file, '--store', store], { env }).stdout).toContain(`imported backup ${id2} of volume`);
    expect(runBin(['import', '-', '--store', store, '-q'], { env, input: exported.stdout })).toMatchObject({ status: 0, stdout: '' });
    const bare = runBin(['import', record.backup_service, record.backup_url, '--store', store, '--json'], { env });
    expect(bare.status, bare.stderr).toBe(0);
    expect(JSON.parse(bare.stdout)).toMatchObject({ id: id2, parentId: id1 });

    // Gone from the store: the record alone imports nothing.
    expect(runBin(['delete', id2, '--store', store, '-q'], { env })).toMatchObject({ status: 0, stdout: '' });
    const orphanImport = runBin(['import', file, '--store', store], { env });
    expect(orphanImport.status).toBe(4);
    expect(orphanImport.stderr).toContain('E_NOT_FOUND');

    const prune = runBin(['prune', '--store', store, '--dry-run'], { env });
    expect(prune).toMatchObject({ status: 0, stdout: 'nothing to prune\n' });
    expect(runBin(['prune', '--store', store, '-q'], { env })).toMatchObject({ status: 0, stdout: '' });
    const pruneJson = runBin(['prune', '--store', store, '--json'], { env });
    expect(JSON.parse(pruneJson.stdout)).toMatchObject({ dryRun: false, removed: [], olderThanSeconds: 7 * 86400 });
  });

  it('lists its drivers and prints one’s schema', () => {
    const table = runBin(['drivers'], { env });
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+PACKAGE\s+VERSION\s+SCHEMES/);
    expect(table.stdout).toMatch(/^posix\s+@volback\/driver-posix\s.*\bok$/m);
    expect(table.stdout).toContain('\nlooked in: ');
    const json = JSON.parse(runBin(['drivers', '--json'], { env }).stdout) as { id: string; status: string }[];
    expect(json.find((d) => d.id === 'posix')).toMatchObject({ status: 'ok' });
    const schema = JSON.parse(runBin(['drivers', '--schema', 'posix'], { env }).stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toContain('root');
    const unknown = runBin(['drivers', '--schema', 'nope'], { env });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no driver "nope" is installed; installed: ');
  });

  it('runs the conformance suite against a store', () => {
    const store = join(dir, 'conformance');
    expect(runBin(['backup', join(dir, 'disk.img'), '--to', store, '-q'], { env }).status).toBe(0);
    const run = runBin(['conformance', store, '--json'], { env });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { passed: number; failed: number; results: { status: string }[] };
    expect(report.failed).toBe(0);
    expect(report.passed).toBeGreaterThan(20);
  });
});
