import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeWithTestServer, type TestServerSpec } from '@volback/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What a user gets from npm: the packed tarballs, installed into blank projects outside the
// repository with npm (no workspace links), then used from TypeScript, plain ESM and the command.
const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const PACKAGES = ['core', 'cli', 'driver-posix', 'driver-s3', 'driver-azure', 'driver-gcs', 'driver-sftp', 'driver-nfs'];
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');
const INSTALL_MS = 300_000;

let scratch: string;
/** Tarball path by package name. */
const tarballs = new Map<string, string>();

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'volback-packed-'));
  const out = join(scratch, 'tarballs');
  mkdirSync(out);
  for (const dir of [...PACKAGES.map((p) => join(REPO, 'packages', p)), join(REPO, 'examples/driver-memory')]) {
    const before = new Set(readdirSync(out));
    execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: dir, stdio: 'ignore' });
    const made = readdirSync(out).filter((f) => !before.has(f));
    const { name } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string };
    expect(made, `pnpm pack of ${name}`).toHaveLength(1);
    const listed = execFileSync('tar', ['tzf', join(out, made[0]!)], { encoding: 'utf8' }).split('\n');
    for (const file of ['package/package.json', 'package/README.md', 'package/LICENSE'])
      expect(listed, `${name} ships ${file}`).toContain(file);
    tarballs.set(name, join(out, made[0]!));
  }
}, INSTALL_MS);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A blank project in its own directory with `names` installed from the tarballs only. Every
 * @volback package a package depends on must be among them (driver-posix with the CLI): none is
 * on the registry yet, so npm would fail to find it there.
 */
function blankProject(label: string, names: string[]): string {
  const dir = join(scratch, label);
  mkdirSync(join(dir, 'src', 'deep'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `blank-${label}`, private: true, type: 'module' }));
  const files = names.map((n) => tarballs.get(n) ?? `missing tarball for ${n}`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...files], {
    cwd: dir,
    stdio: 'pipe',
  });
  return dir;
}

function volback(project: string, cwd: string, args: string[], env: Record<string, string> = {}) {
  // pnpm's NODE_PATH would let require() find the workspace's packages, which a user's machine has not.
  const { VOLBACK_PLUGINS_DIR: _, NODE_PATH: __, ...inherited } = process.env;
  const run = spawnSync(join(project, 'node_modules/.bin/volback'), args, {
    cwd,
    encoding: 'utf8',
    env: { ...inherited, VOLBACK_STATE_DIR: join(project, '.state'), ...env },
    timeout: 120_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Driver ids `volback drivers --json` lists as usable, run from `cwd`. */
function usableDrivers(project: string, cwd: string): string[] {
  const r = volback(project, cwd, ['drivers', '--json']);
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { id: string; status: string }[])
    .filter((d) => d.status === 'ok')
    .map((d) => d.id)
    .sort();
}

/** Imports each package from strict NodeNext TypeScript (type-checked) and from plain ESM (run). */
function importsCleanly(project: string, packages: string[]): void {
  const lines = packages.map((p, i) => `import d${i} from '${p}';\nexport const id${i}: string = d${i}.id;`);
  writeFileSync(join(project, 'src', 'check.ts'), lines.join('\n') + '\n');
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        noEmit: true,
        skipLibCheck: false,
        typeRoots: [join(REPO, 'node_modules/@types')],
        types: ['node'],
      },
      include: ['src'],
    }),
  );
  const tsc = spawnSync(process.execPath, [TSC, '-p', project], { encoding: 'utf8' });
  expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
  const script = packages.map((p) => `console.log((await import('${p}')).default.id);`).join('\n');
  const { NODE_PATH: _, ...env } = process.env;
  const esm = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8', env });
  expect(esm.status, esm.stderr).toBe(0);
  expect(esm.stdout.trim().split('\n')).toHaveLength(packages.length);
}

/** A small image backed up to `target`, restored and compared. */
function roundTrip(project: string, target: string, env: Record<string, string> = {}): void {
  const image = join(project, 'disk.img');
  const data = Buffer.alloc(2 * 1024 * 1024 + 4096);
  for (let i = 0; i < data.length; i += 512) data.write(`sector ${i} of a blank project`, i);
  writeFileSync(image, data);
  const backup = volback(project, project, ['backup', image, '--to', target, '--volume-id', 'blank', '--json'], env);
  expect(backup.status, backup.stderr).toBe(0);
  const { id } = JSON.parse(backup.stdout) as { id: string };
  const restored = join(project, 'restored.img');
  const restore = volback(project, project, ['restore', id, restored, '--from', target], env);
  expect(restore.status, restore.stderr).toBe(0);
  expect(readFileSync(restored).equals(data)).toBe(true);
  rmSync(restored);
}

describe('installed from the packed tarballs: core + cli + driver-posix', () => {
  let project: string;
  beforeAll(() => {
    project = blankProject('posix', ['@volback/core', '@volback/cli', '@volback/driver-posix']);
  }, INSTALL_MS);

  it('imports from TypeScript and ESM, finds only posix from the root, a subdirectory and outside, and backs up and restores', () => {
    importsCleanly(project, ['@volback/driver-posix']);
    const outside = mkdtempSync(join(scratch, 'outside-'));
    for (const cwd of [project, join(project, 'src', 'deep'), outside]) expect(usableDrivers(project, cwd)).toEqual(['posix']);
    roundTrip(project, join(project, 'store'));
  });

  it('says how to get the conformance suite, which it does not install', () => {
    const r = volback(project, project, ['conformance', join(project, 'store')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('needs the package @volback/conformance');
  });

  it('names the package to install for a scheme no installed driver serves', () => {
    const r = volback(project, project, ['list', '--store', 'gs://volumebackups']);
    expect(r.status).toBe(9);
    expect(r.stderr).toContain('installed drivers: posix (file:)');
    expect(r.stderr).toContain('install @volback/driver-gcs');
  });
});

describeWithTestServer(
  { describe, it },
  'installed from the packed tarballs: core + cli + driver-s3',
  { label: 's3rver', envPrefix: 'VOLBACK_TEST_S3RVER', required: ['ENDPOINT', 'ACCESS_KEY', 'SECRET_KEY'], script: 's3rver.sh' },
  (env) => {
    let project: string;
    beforeAll(() => {
      project = blankProject('s3', ['@volback/core', '@volback/cli', '@volback/driver-posix', '@volback/driver-s3']);
    }, INSTALL_MS);

    it('imports from TypeScript and ESM, lists s3 beside posix, and backs up and restores through s3://', () => {
      importsCleanly(project, ['@volback/driver-s3', '@volback/driver-posix']);
      for (const cwd of [project, join(project, 'src', 'deep')]) expect(usableDrivers(project, cwd)).toEqual(['posix', 's3']);
      const target = `s3://vb-packed-${process.pid}?endpoint=${encodeURIComponent(env['ENDPOINT']!)}&region=us-east-1&forcePathStyle=true&createBucket=true`;
      const credentials = { AWS_ACCESS_KEY_ID: env['ACCESS_KEY']!, AWS_SECRET_ACCESS_KEY: env['SECRET_KEY']! };
      roundTrip(project, target, credentials);
    });
  },
);

describe('installed from the packed tarballs: every other driver, and a third-party one', () => {
  const drivers = ['@volback/driver-azure', '@volback/driver-gcs', '@volback/driver-sftp', '@volback/driver-nfs', 'volback-driver-memory'];
  let project: string;
  beforeAll(() => {
    project = blankProject('drivers', ['@volback/core', '@volback/cli', '@volback/driver-posix', ...drivers]);
  }, INSTALL_MS);

  it('imports each from TypeScript and ESM, and lists each with posix from the root and a subdirectory', () => {
    importsCleanly(project, drivers);
    // One copy of core for the CLI and every driver: their ranges meet, so npm installs it once.
    const cores = execFileSync('npm', ['ls', '--all', '--parseable', '@volback/core'], { cwd: project, encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(new Set(cores).size).toBe(1);
    const expected = ['azure', 'gcs', 'memory', 'nfs', 'posix', 'sftp'];
    for (const cwd of [project, join(project, 'src', 'deep')]) expect(usableDrivers(project, cwd)).toEqual(expected);
  });

  // Each through its test server, as the CLI round trips in this directory reach them.
  const through: {
    spec: TestServerSpec;
    target: (env: Record<string, string>) => string;
    env?: (env: Record<string, string>) => Record<string, string>;
  }[] = [
    {
      spec: { label: 'azurite', envPrefix: 'VOLBACK_TEST_AZURITE', required: ['ENDPOINT', 'ACCOUNT', 'KEY'], script: 'azurite.sh' },
      target: (e) => `azure://${e['ACCOUNT']}/vb-packed-${process.pid}?endpoint=${encodeURIComponent(e['ENDPOINT']!)}&createContainer=true`,
      env: (e) => ({ AZURE_STORAGE_KEY: e['KEY']! }),
    },
    {
      spec: { label: 'firebase emulator', envPrefix: 'VOLBACK_TEST_GCS', required: ['ENDPOINT', 'PROJECT_ID'], script: 'gcs-emulator.sh' },
      target: (e) => `gs://vb-packed-${process.pid}?endpoint=${encodeURIComponent(e['ENDPOINT']!)}&projectId=${e['PROJECT_ID']!}`,
    },
    {
      spec: {
        label: 'openssh',
        envPrefix: 'VOLBACK_TEST_SFTP',
        required: ['HOST', 'PORT', 'USER', 'IDENTITY', 'KNOWN_HOSTS', 'ROOT'],
        script: 'sshd.sh',
      },
      target: (e) =>
        `sftp://${e['USER']}@${e['HOST']}:${e['PORT']}${e['ROOT']}/packed-${process.pid}?${new URLSearchParams({ identity: e['IDENTITY']!, knownHosts: e['KNOWN_HOSTS']!, agent: 'none' })}`,
    },
    {
      spec: {
        label: 'ganesha',
        envPrefix: 'VOLBACK_TEST_NFS',
        required: ['HOST', 'NFS_PORT', 'MOUNT_PORT', 'EXPORT'],
        script: 'ganesha.sh',
      },
      target: (e) =>
        `nfs://${e['HOST']}${e['EXPORT']}/packed-${process.pid}?nfsport=${e['NFS_PORT']}&mountport=${e['MOUNT_PORT']}&uid=0&gid=0`,
    },
  ];
  for (const t of through) {
    describeWithTestServer({ describe, it }, `through ${t.spec.label}`, t.spec, (env) => {
      it('backs up and restores a small image', () => roundTrip(project, t.target(env), t.env?.(env)));
    });
  }
});

describe('installed globally from the packed tarballs (npm install --global, into a prefix of its own)', () => {
  let prefix: string;
  beforeAll(() => {
    prefix = join(scratch, 'global');
    const files = ['@volback/core', '@volback/cli', '@volback/driver-posix', '@volback/driver-s3'].map((n) => tarballs.get(n)!);
    execFileSync(
      'npm',
      ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...files],
      {
        stdio: 'pipe',
      },
    );
  }, INSTALL_MS);

  it('finds the drivers installed beside it from any directory', () => {
    const { VOLBACK_PLUGINS_DIR: _, NODE_PATH: __, ...env } = process.env;
    for (const cwd of ['/', mkdtempSync(join(scratch, 'anywhere-'))]) {
      const run = spawnSync(join(prefix, 'bin', 'volback'), ['drivers', '--json'], { cwd, encoding: 'utf8', env, timeout: 60_000 });
      expect(run.status, run.stderr).toBe(0);
      const rows = JSON.parse(run.stdout) as { id: string; status: string; foundVia: string }[];
      expect(
        rows
          .filter((r) => r.status === 'ok')
          .map((r) => `${r.id} ${r.foundVia}`)
          .sort(),
      ).toEqual(['posix beside the CLI', 's3 beside the CLI']);
    }
  });
});
