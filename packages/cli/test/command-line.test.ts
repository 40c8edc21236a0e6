import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeVolume } from '@volback/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runBin, VERSION } from './run-bin.js';

let dir: string;
let env: Record<string, string>;
let image: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'volback-command-line-'));
  // No config file of the machine's may leak in: HOME and XDG_CONFIG_HOME point into the test's dir.
  env = { VOLBACK_STATE_DIR: join(dir, 'state'), HOME: join(dir, 'home'), XDG_CONFIG_HOME: join(dir, 'xdg') };
  image = join(dir, 'disk.img');
  writeFileSync(image, makeVolume(1024 * 1024 + 17, 41));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The command names the root help lists. */
function commandNames(): string[] {
  const help = runBin(['--help'], { env }).stdout;
  const section = help.slice(help.indexOf('Commands:'), help.indexOf('\n\n', help.indexOf('Commands:')));
  return [...section.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1] as string).filter((n) => n !== 'help');
}

/** The compression tag of each data object of the one backup under a posix store root. */
function compressionTags(root: string): string[] {
  const metadata = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('_metadata'));
  expect(metadata).toHaveLength(1);
  const doc = JSON.parse(readFileSync(join(root, metadata[0] as string), 'utf8')) as { objects: Record<string, { compression: string }>[] };
  return doc.objects.flatMap((o) => Object.values(o).map((v) => v.compression));
}

describe('volback --help and --version', () => {
  it('lists every command, and each command explains every option it shows and gives examples', () => {
    const names = commandNames();
    expect(names).toEqual(expect.arrayContaining(['backup', 'restore', 'verify', 'list', 'show', 'delete', 'prune', 'export', 'import']));
    expect(names).toEqual(expect.arrayContaining(['drivers', 'targets', 'completion', 'conformance']));
    for (const name of names) {
      const run = runBin([name, '--help'], { env });
      expect(run.status, name).toBe(0);
      expect(run.stdout, name).toMatch(new RegExp(`^Usage: volback ${name} `));
      const options = run.stdout.slice(run.stdout.indexOf('\nOptions:'), run.stdout.indexOf('\nGlobal Options:'));
      for (const line of options.split('\n').filter((l) => /^ {2}-/.test(l))) {
        // "  --to <target>   the store: …": the flag, then its explanation on the same line.
        expect(line, `${name}: ${line}`).toMatch(/^ {2}(-\w, )?--[\w-]+( <[\w-]+>)? {2,}\S/);
      }
      expect(run.stdout, name).toContain('Examples:\n  $ ');
    }
    // The same help through `volback help <command>`.
    expect(runBin(['help', 'restore'], { env }).stdout).toBe(runBin(['restore', '--help'], { env }).stdout);
  });

  it('keeps synonyms out of the help but takes them', () => {
    const help = runBin(['backup', '--help'], { env }).stdout;
    expect(help).toContain('--to <target>');
    expect(help).not.toMatch(/--from|--store/);
    const run = runBin(['backup', image, '--store', join(dir, 'synonym'), '--quiet'], { env });
    expect(run.status, run.stderr).toBe(0);
  });

  it('prints its version', () => {
    const run = runBin(['--version'], { env });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${VERSION}\n`);
  });
});

describe('wrong command lines', () => {
  it('name the unknown option, the missing or extra argument, exit 2 with the usage line', () => {
    const cases: [string[], string][] = [
      [['backup', image, '--to', dir, '--too', 'x'], "unknown option '--too'\n(Did you mean --to?)"],
      [['restore', 'abc', '--from', dir], "missing required argument 'target'"],
      [['show', 'a', 'b', '--store', dir], "too many arguments for 'show'. Expected 1 argument but got 2."],
      [['bakup'], "unknown command 'bakup'\n(Did you mean backup?)"],
      [['backup', image, '--to', dir, '--level'], "option '--level <n>' argument missing"],
    ];
    for (const [args, message] of cases) {
      const run = runBin(args, { env });
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toContain(`E_USAGE: ${message}`);
      expect(run.stderr, args.join(' ')).toMatch(/\nusage: volback /);
      expect(run.stdout, args.join(' ')).toBe('');
    }
  });

  it('a missing store names the option of that command', () => {
    const noStore = { ...env, VOLBACK_STORE: '' };
    expect(runBin(['backup', image], { env: noStore }).stderr).toContain('no store given: pass --to <target>');
    expect(runBin(['restore', 'abc', join(dir, 'out.img')], { env: noStore }).stderr).toContain('no store given: pass --from <target>');
    expect(runBin(['list'], { env: noStore }).stderr).toContain('no store given: pass --store <target>');
  });

  it('with --json, an error is one JSON line on stderr with its code and exit status, and stdout stays empty', () => {
    const missing = runBin(['list', '--store', join(dir, 'no-such-store'), '--json'], { env });
    expect(missing.status).toBe(4);
    expect(missing.stdout).toBe('');
    const lines = missing.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ event: 'error', code: 'E_NOT_FOUND', exitStatus: 4, command: 'list' });
    const usage = runBin(['backup', '--json'], { env });
    expect(usage.status).toBe(2);
    expect(JSON.parse(usage.stderr)).toMatchObject({ event: 'error', code: 'E_USAGE', exitStatus: 2, command: 'backup' });
  });

  it('--verbose prints the causes of an error', () => {
    // A store root that is a regular file: the error has a cause from the filesystem.
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const plain = runBin(['list', '--store', join(file, 'store')], { env });
    const verbose = runBin(['list', '--store', join(file, 'store'), '--verbose'], { env });
    expect(plain.status).not.toBe(0);
    expect(verbose.status).toBe(plain.status);
    expect(plain.stderr).not.toContain('caused by');
    expect(verbose.stderr).toMatch(/\n {2}caused by: .*ENOTDIR/);
  });
});

describe('the config file', () => {
  function project(config: unknown): string {
    const cwd = mkdtempSync(join(dir, 'project-'));
    writeFileSync(join(cwd, 'volback.config.json'), typeof config === 'string' ? config : JSON.stringify(config));
    return cwd;
  }

  it('names targets: --to prod, --from prod, and defaults.target when no store is given', () => {
    const store = join(dir, 'prod-store');
    const cwd = project({ targets: { prod: { url: `file://${store}`, description: 'the real one' } }, defaults: { target: 'prod' } });
    const backup = runBin(['backup', image, '--to', 'prod', '--json'], { env, cwd });
    expect(backup.status, backup.stderr).toBe(0);
    const { id } = JSON.parse(backup.stdout) as { id: string };
    // Into the named target's directory, not a new ./prod.
    expect(readdirSync(cwd)).toEqual(['volback.config.json']);
    const listed = runBin(['list', '--json'], { env, cwd });
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((r) => r.id)).toEqual([id]);
    const out = join(dir, 'from-prod.img');
    const restore = runBin(['restore', id, out, '--from', 'prod'], { env, cwd });
    expect(restore.status, restore.stderr).toBe(0);
    expect(readFileSync(out).equals(readFileSync(image))).toBe(true);
    const verbose = runBin(['list', '--store', 'prod', '--verbose'], { env, cwd });
    expect(verbose.stderr).toContain(`target prod is file://${store} (from ${join(cwd, 'volback.config.json')})`);
  });

  it('is found by --config, VOLBACK_CONFIG and ~/.config/volback/config.json too', () => {
    const store = join(dir, 'elsewhere-store');
    const config = JSON.stringify({ targets: { far: { url: store } } });
    const file = join(dir, 'explicit.json');
    writeFileSync(file, config);
    expect(runBin(['backup', image, '--to', 'far', '--config', file, '-q'], { env }).status).toBe(0);
    expect(runBin(['list', '--store', 'far'], { env: { ...env, VOLBACK_CONFIG: file } }).status).toBe(0);
    mkdirSync(join(env.XDG_CONFIG_HOME as string, 'volback'), { recursive: true });
    writeFileSync(join(env.XDG_CONFIG_HOME as string, 'volback', 'config.json'), config);
    try {
      const listed = runBin(['list', '--store', 'far', '--json'], { env });
      expect(listed.status, listed.stderr).toBe(0);
      expect(JSON.parse(listed.stdout)).toHaveLength(1);
    } finally {
      rmSync(join(env.XDG_CONFIG_HOME as string, 'volback'), { recursive: true, force: true });
    }
    const missing = runBin(['list', '--store', 'far', '--config', join(dir, 'nope.json')], { env });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`E_CONFIG: cannot read the config file ${join(dir, 'nope.json')}: ENOENT`);
  });

  it('refuses a bad file with a message that names the field', () => {
    const cases: [unknown, string][] = [
      ['{ "targets": ', 'not valid JSON'],
      [{ targets: { prod: { url: 5 } } }, 'targets.prod.url: '],
      [{ targets: { prod: { url: '/x', colour: 'red' } } }, 'targets.prod: unknown field colour'],
      [{ targets: { 'no/slash': { url: '/x' } } }, 'targets.no/slash: a target name starts with a letter'],
      [{ defaults: { compression: 'lz4' } }, 'defaults.compression: '],
      [{ defaults: { level: 99 } }, 'defaults.level: '],
      [{ target: 'prod' }, '(top level): unknown field target'],
    ];
    for (const [config, message] of cases) {
      const cwd = project(config);
      const run = runBin(['list', '--store', join(dir, 'x')], { env, cwd });
      expect(run.status, JSON.stringify(config)).toBe(2);
      expect(run.stderr, JSON.stringify(config)).toContain(`E_CONFIG: ${join(cwd, 'volback.config.json')}: `);
      expect(run.stderr, JSON.stringify(config)).toContain(message);
    }
  });

  it('holds no secrets: one in the options or the URL is refused, and never printed', () => {
    const secret = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';
    const cases: [unknown, string][] = [
      [
        { targets: { prod: { url: 's3://bucket/p', options: { secretAccessKey: secret } } } },
        'targets.prod.options.secretAccessKey is a secret',
      ],
      [
        { targets: { prod: { url: `s3://bucket/p?endpoint=http://127.0.0.1:9&secretAccessKey=${secret}` } } },
        'targets.prod.url is a secret',
      ],
      [{ targets: { prod: { url: `sftp://user:${secret}@127.0.0.1:9/srv` } } }, 'targets.prod.url is a secret'],
    ];
    for (const [config, message] of cases) {
      const cwd = project(config);
      const run = runBin(['list', '--store', 'prod'], { env, cwd });
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stderr + run.stdout).not.toContain(secret);
    }
  });

  it('refuses a mistyped target name instead of making a new local store of that name', () => {
    const cwd = project({ targets: { prod: { url: join(dir, 'p') }, staging: { url: join(dir, 's') } } });
    const run = runBin(['backup', image, '--to', 'prdo'], { env, cwd });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('no target named "prdo"');
    expect(run.stderr).toContain('its targets: prod, staging');
    expect(run.stderr).toContain('write ./prdo');
    expect(readdirSync(cwd)).toEqual(['volback.config.json']);
    expect(runBin(['backup', image, '--to', './prdo', '-q'], { env, cwd }).status).toBe(0);
  });

  it('gives defaults that the environment overrides, and a flag overrides both', () => {
    const cwd = project({ defaults: { compression: 'bz2' } });
    const run = (name: string, extra: string[], extraEnv: Record<string, string> = {}): string[] => {
      const store = join(dir, `codec-${name}`);
      const r = runBin(['backup', image, '--to', store, '-q', ...extra], { env: { ...env, ...extraEnv }, cwd });
      expect(r.status, r.stderr).toBe(0);
      return [...new Set(compressionTags(store))];
    };
    expect(run('config', [])).toEqual(['bz2']);
    expect(run('env', [], { VOLBACK_COMPRESSION: 'zlib' })).toEqual(['zlib']);
    expect(run('flag', ['--compression', 'none'], { VOLBACK_COMPRESSION: 'zlib' })).toEqual(['none']);
  });

  it('volback targets lists the names, with secrets of URLs redacted', () => {
    const cwd = project({
      targets: { prod: { url: 's3://bucket/p', description: 'offsite' }, local: { url: '/srv/backups' } },
      defaults: { target: 'local' },
    });
    const table = runBin(['targets'], { env, cwd });
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+URL\s+DESCRIPTION\nprod\s+s3:\/\/bucket\/p\s+offsite\nlocal \(default\)\s+\/srv\/backups/);
    expect(runBin(['targets', '-q'], { env, cwd }).stdout).toBe('prod\nlocal\n');
    expect(JSON.parse(runBin(['targets', '--json'], { env, cwd }).stdout)).toMatchObject({
      targets: [{ name: 'prod', url: 's3://bucket/p' }, { name: 'local' }],
      defaults: { target: 'local' },
    });
  });
});

describe('shell completion', () => {
  let pathDir: string;
  let cwd: string;
  beforeAll(() => {
    // The scripts call `volback` for the targets: the built one, on PATH.
    pathDir = mkdtempSync(join(dir, 'bin-'));
    writeFileSync(join(pathDir, 'volback'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(pathDir, 'volback'), 0o755);
    cwd = mkdtempSync(join(dir, 'completion-'));
    writeFileSync(join(cwd, 'volback.config.json'), JSON.stringify({ targets: { prod: { url: '/x' }, pool: { url: '/y' } } }));
  });

  function bashComplete(words: string[]): string[] {
    const script = runBin(['completion', 'bash'], { env }).stdout;
    const line = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _volback; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const run = spawnSync('bash', ['-c', line], {
      encoding: 'utf8',
      cwd,
      env: { ...process.env, ...env, PATH: `${pathDir}:${process.env.PATH}` },
    });
    expect(run.stderr).toBe('');
    return run.stdout.split('\n').filter(Boolean);
  }

  it('bash: commands, options of the command, fixed values, and the named targets after --to', () => {
    expect(bashComplete(['volback', 're'])).toEqual(['restore']);
    expect(bashComplete(['volback', 'backup', '--inc'])).toEqual(['--incremental']);
    expect(bashComplete(['volback', 'restore', '--f']).sort()).toEqual(['--force', '--from']);
    // Synonyms are taken, not offered.
    expect(bashComplete(['volback', 'restore', '--st'])).toEqual([]);
    expect(bashComplete(['volback', 'restore', 'x', 'y', '--store', 'p']).sort()).toEqual(['pool', 'prod']);
    expect(bashComplete(['volback', 'backup', 'disk.img', '--compression', 'z'])).toEqual(['zstd', 'zlib']);
    expect(bashComplete(['volback', 'backup', 'disk.img', '--to', 'p']).sort()).toEqual(['pool', 'prod']);
    expect(bashComplete(['volback', 'help', 'ver'])).toEqual(['verify']);
  });

  it('zsh: the script loads, and completes commands and named targets', () => {
    const script = join(dir, '_volback');
    writeFileSync(script, runBin(['completion', 'zsh'], { env }).stdout);
    // zpty drives an interactive zsh as a terminal would; the completion is asked for with TAB.
    const driver = `
zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z 'PS1="> "; autoload -Uz compinit; compinit -u; source ${script}; setopt nobeep'
for words in 'volback resto' 'volback backup disk.img --to pr'; do
  zpty -w -n z "$words"$'\\t'
  sleep 1
  zpty -w -n z $'\\C-e\\C-u'
done
zpty -w z 'echo DONE'
sleep 1
out=""
while zpty -r -t z line; do out+=$line; done
print -r -- $out
zpty -d z`;
    const run = spawnSync('zsh', ['-f', '-c', driver], {
      encoding: 'utf8',
      cwd,
      env: { ...process.env, ...env, PATH: `${pathDir}:${process.env.PATH}` },
      timeout: 60_000,
    });
    // What the line editor drew once TAB was pressed: the words completed.
    expect(run.stdout).toContain('volback restore');
    expect(run.stdout).not.toContain('volback resto\u001b');
    expect(run.stdout).toContain('volback backup disk.img --to prod');
    expect(run.stdout).not.toContain('command not found');
  });

  it('refuses a shell it has no script for', () => {
    const run = runBin(['completion', 'fish'], { env });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('no completion for shell "fish": bash or zsh');
  });
});
