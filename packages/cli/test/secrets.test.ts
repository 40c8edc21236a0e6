import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeVolume } from '@volback/core/testing';
import { main } from '../src/main.js';
import { startFakeS3, type FakeS3 } from './fake-s3.js';

// Deliverable 7: for every driver, whatever a command prints (stdout, stderr, progress lines,
// errors) holds none of the secrets it was given: in a target URL, in VOLBACK_STORE or in the
// environment. Each test greps everything captured for the secret strings it used.

const SECRET = 'TOPSECRET-9c1f';
const TOKEN = 'SESSIONTOKEN-77ab';
const ENV_SECRET = 'ENVSECRET-41d0e2';
const SSE = 'sse-c-key-of-32-bytes-TOPSECRET!';
const ALL = [SECRET, TOKEN, ENV_SECRET, SSE];

let dir: string;
let image: string;
let baseEnv: Record<string, string>;
const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'volback-cli-secrets-'));
  image = join(dir, 'v.img');
  await writeFile(image, makeVolume(512 * 1024 + 7, 11));
  // A secret the user keeps in the environment: the SDK's default chain reads the process's.
  process.env.AWS_ACCESS_KEY_ID = 'AKENV';
  process.env.AWS_SECRET_ACCESS_KEY = ENV_SECRET;
  baseEnv = { VOLBACK_STATE_DIR: join(dir, 'state') };
});
afterAll(async () => {
  for (const [k, v] of [
    ['AWS_ACCESS_KEY_ID', saved.id],
    ['AWS_SECRET_ACCESS_KEY', saved.secret],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in-process on a terminal-like stderr (so progress lines are printed too); `out` is all it printed. */
async function run(args: string[], env: Record<string, string> = {}) {
  let out = '';
  let stdout = '';
  const code = await main(args, {
    stdout: { write: (t: string) => ((out += t), (stdout += t)), isTTY: true },
    stderr: { write: (t: string) => (out += t), isTTY: true },
    env: { ...process.env, ...baseEnv, ...env },
  });
  for (const secret of ALL) expect(out, `${args.join(' ')} printed a secret`).not.toContain(secret);
  return { code, out, stdout };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Every command that opens a store, as it would be typed with `target`. */
const commands = (target: string): string[][] => [
  ['list', '--store', target],
  ['list', '--store', target, '--json'],
  ['backup', image, '--to', target],
  ['restore', 'some-id', join(dir, 'out.img'), '--from', target],
  ['verify', 'some-id', '--store', target],
  ['show', 'some-id', '--store', target],
  ['export', 'some-id', '--store', target],
  ['delete', 'some-id', '--store', target],
  ['conformance', target, '--json'],
];

describe('the s3 driver', () => {
  it('says a bad URL (a space in the bucket) is E_CONFIG, exit 2, with the secret redacted', async () => {
    const r = await run(['list', '--store', `s3://bad bucket/p?accessKeyId=x&secretAccessKey=${SECRET}`]);
    expect(r.code).toBe(2);
    expect(r.out).toContain('E_CONFIG');
    expect(r.out).toContain('secretAccessKey=***');
  });

  it('never prints the secrets of a target that fails, whatever the command and however it fails', async () => {
    const port = await closedPort();
    const unreachable = `endpoint=${encodeURIComponent(`http://127.0.0.1:${port}`)}&forcePathStyle=true&maxAttempts=1&connectTimeoutMs=2000`;
    const targets: [string, number][] = [
      [`s3://bad bucket/p?accessKeyId=AK&secretAccessKey=${SECRET}&sessionToken=${TOKEN}`, 2],
      [`s3://bkt/p?secretAccessKey=${SECRET}`, 2],
      [`s3://bkt/p?accessKeyId=AK&secretAccessKey=${SECRET}&bogus=1`, 2],
      [`s3://bkt/p?accessKeyId=AK&secretAccessKey=${SECRET}&sessionToken=${TOKEN}&maxAttempts=nope`, 2],
      [`s3://bkt/p?proxy=${encodeURIComponent(`http://u:${SECRET}@bad host`)}`, 2],
      [`s3://bkt/p?endpoint=${encodeURIComponent(`http://u:${SECRET}@127.0.0.1:${port}`)}`, 2],
      [`s3://AK:${SECRET}@bkt/p`, 2],
      [`s3://bkt/p?accessKeyId=AK&secretAccessKey=${SECRET}&sseCustomerKey=${encodeURIComponent(SSE)}`, 2],
      [`s3://bkt/p?accessKeyId=AK&secretAccessKey=${SECRET}&sessionToken=${TOKEN}&${unreachable}`, 7],
      [`s3://bkt/p?${unreachable}`, 7],
      [`s3://bkt/p?${unreachable}&proxy=${encodeURIComponent(`http://u:${SECRET}@127.0.0.1:${port}`)}`, 7],
    ];
    for (const [target, code] of targets) {
      for (const args of commands(target)) {
        const r = await run(args);
        expect(r.code, `${args[0]} ${target}\n${r.out}`).toBe(args[0] === 'conformance' && code === 7 ? 7 : code);
      }
      // The same target in VOLBACK_STORE.
      expect((await run(['list'], { VOLBACK_STORE: target })).code).toBe(code);
    }
  }, 120_000);

  describe('on a store that opens, with credentials in its URL', () => {
    let s3: FakeS3;
    let target: string;
    beforeAll(async () => {
      s3 = await startFakeS3(['vb-secrets']);
      target = `s3://vb-secrets/team?endpoint=${encodeURIComponent(s3.endpoint)}&forcePathStyle=true&region=us-east-1&accessKeyId=AKURL&secretAccessKey=${SECRET}&sessionToken=${TOKEN}`;
    });
    afterAll(async () => {
      await s3?.close();
    });

    it('backs up, lists, shows, exports, verifies, restores, imports and deletes without printing them', async () => {
      const full = await run(['backup', image, '--to', target, '--json']);
      expect(full.code, full.out).toBe(0);
      // stderr held the progress events, each naming the backup.
      const id = (JSON.parse(full.stdout) as { id: string }).id;
      expect(full.out).toContain(`"backupId":"${id}"`);
      for (const args of [['list'], ['list', '--json'], ['show', id], ['verify', id], ['restore', id, join(dir, 'restored.img')]]) {
        const r = await run([...args, '--store', target]);
        expect(r.code, `${args[0]}: ${r.out}`).toBe(0);
      }
      const exported = await run(['export', id, '--store', target]);
      expect(exported.code).toBe(0);
      const exportFile = join(dir, 'export.json');
      await writeFile(exportFile, exported.out);
      expect((await run(['import', exportFile, '--store', target])).code).toBe(0);
      expect((await run(['delete', id, '--store', target])).code).toBe(0);
      // SigV4 signs with the secret and never sends it: not in one request line or header.
      expect(s3.requests.length).toBeGreaterThan(5);
      for (const r of s3.requests) for (const secret of [SECRET, ENV_SECRET]) expect(r).not.toContain(secret);
    }, 60_000);
  });
});

describe('the posix driver', () => {
  it('never echoes what looks like a secret in a file: target', async () => {
    const store = join(dir, 'posix');
    for (const target of [
      `file://${store}?token=${SECRET}`,
      `file://${store}?password=${SECRET}&fsync=false`,
      `file://u:${SECRET}@host${store}`,
      `file://${store}?fsync=${SECRET}`,
    ]) {
      for (const args of commands(target)) {
        const r = await run(args);
        expect(r.code, `${args[0]} ${target}\n${r.out}`).toBe(2);
        expect(r.out).toContain('E_CONFIG');
      }
    }
  }, 60_000);

  it('prints none of the secrets in the environment through a whole cycle, progress lines included', async () => {
    const store = join(dir, 'posix-ok');
    const env = { VOLBACK_STORE: store, AWS_SESSION_TOKEN: TOKEN };
    const full = await run(['backup', image], env);
    expect(full.code, full.out).toBe(0);
    expect(full.out).toMatch(/backup 100%/);
    const id = /^full backup (\S+) of volume/.exec(full.stdout)?.[1] as string;
    for (const args of [
      ['list'],
      ['show', id],
      ['export', id],
      ['verify', id],
      ['restore', id, join(dir, 'p.img')],
      ['drivers'],
      ['drivers', '--json'],
    ]) {
      expect((await run(args, env)).code, args[0]).toBe(0);
    }
  });
});

describe('a third-party driver', () => {
  // Its secret field has a name no heuristic knows: only its schema says it is secret, and its
  // store quotes it in an error. The CLI learns the secret from the schema and scrubs it out.
  let host: string;
  beforeAll(async () => {
    host = join(dir, 'host');
    const pkg = join(host, 'node_modules', 'volback-driver-leaky');
    await mkdir(pkg, { recursive: true });
    await writeFile(join(host, 'package.json'), JSON.stringify({ name: 'host', private: true }));
    await writeFile(
      join(pkg, 'package.json'),
      JSON.stringify({
        name: 'volback-driver-leaky',
        version: '1.0.0',
        type: 'module',
        volback: { manifestVersion: 1, kind: 'driver', id: 'leaky', schemes: ['leaky'], apiVersion: '^1.0.0', entry: './index.js' },
      }),
    );
    await writeFile(
      join(pkg, 'index.js'),
      `const fail = (what) => Object.assign(new Error('the vault refused ' + what), { code: 'E_BACKEND' });
export default {
  [Symbol.for('volback.driver')]: true,
  id: 'leaky',
  schemes: ['leaky'],
  configSchema: { type: 'object', description: 'leaky', additionalProperties: false, required: [], properties: {
    clientAssertion: { type: 'string', description: 'signed assertion', required: false, secret: true } } },
  configFromUrl: (url) => Object.fromEntries(url.searchParams),
  parseConfig: (input) => input,
  createStore: (config) => ({
    driverId: 'leaky', serviceName: 'leaky', capabilities: { maxConcurrency: 1 },
    checkForSetupError: async () => {},
    listContainers: async () => { throw fail(config.clientAssertion); },
    listObjects: async () => { throw fail(config.clientAssertion); },
    ensureContainer: async () => { throw fail(config.clientAssertion); },
    putObject: async () => { throw fail(config.clientAssertion); },
    getObject: async () => { throw fail(config.clientAssertion); },
    deleteObject: async () => { throw fail(config.clientAssertion); },
    containerFor: () => 'c', objectNamePrefix: () => 'p',
  }),
};
`,
    );
  });

  it("has its store's error scrubbed of the secret its schema declares", async () => {
    const r = await run(['list', '--store', `leaky://x?clientAssertion=${SECRET}`], { VOLBACK_PLUGINS_DIR: host });
    expect(r.code).toBe(7);
    expect(r.out).toContain('E_BACKEND: the vault refused ***');
  });

  it('has its target redacted, and its failures scrubbed, in a conformance run', async () => {
    const r = await run(['conformance', `leaky://x?clientAssertion=${SECRET}`, '--json'], { VOLBACK_PLUGINS_DIR: host });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as { target: string; failed: number; results: { note?: string }[] };
    expect(report.target).toBe('leaky://x?clientAssertion=***');
    expect(report.failed).toBeGreaterThan(0);
    expect(report.results.some((t) => t.note?.includes('the vault refused ***'))).toBe(true);
  }, 60_000);
});
