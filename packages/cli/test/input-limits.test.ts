import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newBackupRecord } from '@volback/core';
import { encodeBackupRecord } from '@volback/core/format';
import { makeVolume } from '@volback/core/testing';
import { runCli } from './run-cli.js';

// Hostile or absurd command-line input: every case ends in a typed error with its code and exit
// status, before anything is allocated or created for it; never a hang, a stack trace or exit 0.

let dir: string;
let env: Record<string, string>;
let image: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'volback-cli-limits-'));
  env = { VOLBACK_STATE_DIR: join(dir, 'state') };
  image = join(dir, 'v.img');
  await writeFile(image, makeVolume(2 * 1024 * 1024, 7));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
/** No stack trace and no Node error code leaked into what the user sees. */
const noCrash = (stderr: string) => {
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr).not.toMatch(/ENAMETOOLONG|RangeError|unexpected error/);
};

async function backupId(store: string): Promise<string> {
  const r = await runCli(['backup', image, '--to', store, '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { id: string }).id;
}

describe('--object-size', () => {
  it.each(['4G', '100G', '0', '99999999999999999999G', '1000', '257M', '1.5M', '-8M'])(
    'refuses %s with a usage error before the store is touched',
    async (size) => {
      const store = join(dir, `size-${size}`);
      const r = await runCli(['backup', image, '--to', store, `--object-size=${size}`], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^volback backup: E_USAGE: --object-size must be/);
      noCrash(r.stderr);
      expect(await exists(store)).toBe(false);
    },
    30_000,
  );

  it('takes the largest size, 256M, and a multiple of the hash block such as 96K', async () => {
    for (const size of ['256M', '96K']) {
      const r = await runCli(['backup', image, '--to', join(dir, `size-ok-${size}`), '--object-size', size, '--json'], env);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).objectCount).toBe(size === '96K' ? 22 : 1);
    }
  }, 60_000);
});

describe('ids given on the command line', () => {
  const hostile: [string, string][] = [
    ['5000 characters', 'a'.repeat(5000)],
    ['300 characters', 'b'.repeat(300)],
    ['a newline', 'vol\nume'],
    ['an escape sequence', 'vol\u001b[31mred'],
    ['a bidirectional override', 'vol\u202eemulov'],
    ['a slash', 'a/b'],
    ['..', '..'],
    ['nothing', ''],
  ];

  it.each(hostile)('refuses a --volume-id with %s: E_CONFIG naming the option, exit 2', async (_what, id) => {
    const store = join(dir, 'ids');
    const r = await runCli(['backup', image, '--to', store, '--volume-id', id], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^volback backup: E_CONFIG: --volume-id: volume id /);
    // Quoted short: a hostile id never reaches the terminal whole.
    if (id.length > 100) expect(r.stderr).not.toContain(id);
    noCrash(r.stderr);
    expect(await exists(store)).toBe(false);
  });

  it.each(hostile)('refuses a --id or --parent with %s', async (_what, id) => {
    for (const option of ['--id', '--parent']) {
      const r = await runCli(['backup', image, '--to', join(dir, 'ids'), option, id], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`E_CONFIG: ${option}: `);
      noCrash(r.stderr);
    }
  });

  it('refuses a backup id that holds "_backup_", which would end the object-name prefix early', async () => {
    const r = await runCli(['backup', image, '--to', join(dir, 'ids'), '--id', 'x_backup_y'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('_backup_');
  });

  it('refuses hostile ids in list --volume-id and as the <backup-id> of every command about one backup', async () => {
    const store = join(dir, 'readers');
    await backupId(store);
    for (const id of ['c'.repeat(5000), 'x\u001b]0;title\u0007']) {
      for (const args of [
        ['list', '--volume-id', id],
        ['show', id],
        ['export', id],
        ['verify', id],
        ['delete', id],
        ['restore', id, join(dir, 'r.img')],
      ]) {
        const r = await runCli([...args, '--store', store], env);
        expect(r.code, args[0]).toBe(2);
        expect(r.stderr).toContain('E_CONFIG');
        // The id is quoted short and escaped: no terminal escape reaches the terminal.
        expect(r.stderr).not.toContain('\u001b');
        expect(r.stderr.length).toBeLessThan(500);
      }
    }
  });

  it('refuses a hostile restore --volume-id before anything is restored', async () => {
    const store = join(dir, 'restore-volume-id');
    const id = await backupId(store);
    const out = join(dir, 'restore-volume-id.img');
    const r = await runCli(['restore', id, out, '--from', store, '--volume-id', 'a'.repeat(5000)], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_CONFIG: --volume-id: volume id');
    noCrash(r.stderr);
    expect(await exists(out)).toBe(false);
  });

  it('still takes ids that are not UUIDs, within the rules', async () => {
    const store = join(dir, 'named');
    const r = await runCli(['backup', image, '--to', store, '--volume-id', 'vol-web_1.data', '--id', 'nightly-2024.05.01', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const shown = await runCli(['show', 'nightly-2024.05.01', '--store', store, '--json'], env);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: 'nightly-2024.05.01', volumeId: 'vol-web_1.data' });
  });
});

describe('ids read from a store or an export record', () => {
  async function damageMetadata(store: string, change: (doc: Record<string, unknown>) => void): Promise<string> {
    const id = await backupId(store);
    const container = join(store, id.slice(0, 2), id.slice(2, 4), id);
    const name = (await readdir(container)).find((n) => n.endsWith('_metadata')) as string;
    const doc = JSON.parse(await readFile(join(container, name), 'utf8')) as Record<string, unknown>;
    change(doc);
    await writeFile(join(container, name), JSON.stringify(doc));
    return id;
  }

  it('refuses a _metadata whose volume_id is 100 000 characters: E_INVALID_BACKUP, exit 5, for restore and verify; list shows it damaged', async () => {
    const store = join(dir, 'long-volume-id');
    const id = await damageMetadata(store, (doc) => (doc.volume_id = 'v'.repeat(100_000)));
    const listed = await runCli(['list', '--store', store], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${id.slice(0, 8)} .* damaged: E_INVALID_BACKUP: .*volume id`, 'm'));
    expect(listed.stdout.length).toBeLessThan(1000);
    for (const args of [
      ['restore', id, join(dir, 'out.img')],
      ['verify', id],
    ]) {
      const r = await runCli([...args, '--store', store], env);
      expect(r.code, args[0]).toBe(5);
      expect(r.stderr).toContain('E_INVALID_BACKUP');
      expect(r.stderr).toContain('volume id');
      expect(r.stderr.length).toBeLessThan(1000);
      noCrash(r.stderr);
    }
    expect(await exists(join(dir, 'out.img'))).toBe(false);
  });

  it('refuses a _metadata whose parent_id holds an escape sequence', async () => {
    const store = join(dir, 'escape-parent');
    const id = await damageMetadata(store, (doc) => (doc.parent_id = 'p\u001b[2J'));
    const r = await runCli(['show', id, '--store', store], env);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('parent id');
    expect(r.stderr).not.toContain('\u001b');
  });

  it('refuses export records whose ids, container or prefix break the rules: E_INVALID_BACKUP, exit 5', async () => {
    const store = join(dir, 'import');
    await backupId(store);
    const good = newBackupRecord({ volumeId: 'vol-1' });
    const cases: Partial<typeof good>[] = [
      { volumeId: 'v'.repeat(300) },
      { volumeId: 'a\nb' },
      { parentId: '\u001b[31mred' },
      { parentId: 'p'.repeat(5000) },
      { id: 'a/../../b' },
      { container: 'c'.repeat(300) },
      { container: '../outside' },
      { serviceMetadata: 's'.repeat(300) },
    ];
    for (const change of cases) {
      const record = { ...good, container: 'x/y/z', serviceMetadata: 'volume_vol-1_20240501120000_backup_x', ...change };
      const r = await runCli(['import', encodeBackupRecord(record), '--store', store], env);
      expect(r.code, JSON.stringify(change).slice(0, 80)).toBe(5);
      expect(r.stderr).toMatch(/E_INVALID_BACKUP: backup record field (id|volume_id|parent_id|container|service_metadata): /);
      expect(r.stderr).not.toContain('\u001b');
      noCrash(r.stderr);
    }
  });

  it('refuses an import file far larger than any export record, without reading it all', async () => {
    const big = join(dir, 'big.json');
    await writeFile(big, 'A'.repeat(3 * 1024 * 1024));
    const r = await runCli(['import', big, '--store', join(dir, 'import')], env);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('not an export record');
  });
});

describe('read-only commands on a store that does not exist', () => {
  it('list, show and verify say the store does not exist, exit non-zero, and create nothing', async () => {
    const missing = join(dir, 'no-such-store', 'deeper');
    for (const args of [['list'], ['show', 'some-id'], ['verify', 'some-id'], ['export', 'some-id']]) {
      const r = await runCli([...args, '--store', missing], env);
      expect(r.code, args[0]).toBe(4);
      expect(r.stderr).toContain('E_NOT_FOUND');
      expect(r.stderr).toContain('does not exist');
      expect(r.stdout).toBe('');
    }
    expect(await exists(join(dir, 'no-such-store'))).toBe(false);
  });

  it('a backup creates it', async () => {
    const store = join(dir, 'created', 'by', 'backup');
    const id = await backupId(store);
    const listed = await runCli(['list', '--store', store, '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((r) => r.id)).toEqual([id]);
  });

  it('a backup under a regular file is E_CONFIG, exit 2', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const r = await runCli(['backup', image, '--to', join(file, 'store')], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_CONFIG');
  });
});

describe('usage errors', () => {
  it('print E_USAGE like every other error, with the usage line, exit 2', async () => {
    const cases = [
      ['backup', image, '--to', dir, '--level', ''],
      ['backup', image, '--to', dir, '--level', '1e3'],
      ['backup', image, '--to', dir, '--level', ' 3'],
      ['backup', image, '--to', dir, '--incremental', '--parent', 'p'],
      ['list', '--no-such-option'],
      ['show'],
    ];
    for (const args of cases) {
      const r = await runCli(args, env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(new RegExp(`^volback ${args[0]}: E_USAGE: .*\\nusage: volback ${args[0]} `));
    }
    const none = await runCli([], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^volback: E_USAGE: no command given/);
    const unknown = await runCli(['frob\u001bnicate'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^volback: E_USAGE: unknown command 'frob\\u001bnicate'/);
  });

  it('--level still takes an integer in range, signed', async () => {
    const r = await runCli(['backup', image, '--to', join(dir, 'level'), '--compression', 'zstd', '--level=-3'], env);
    expect(r.code, r.stderr).toBe(0);
  });
});
