// The remote stores the bench can measure (`--remotes s3,azure`): one descriptor a file in
// remotes/, found by listing that directory, so a driver adds its bench step without editing a
// shared list. Each names its test server (a tooling/servers script, started here with a directory
// and ports of its own, apart from a test run's), how volback reaches it and its reference tool.
//   node tooling/bench/remotes.mjs packages s3,azure   # the Debian packages those steps need
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * @typedef {Record<string, string>} ServerEnv  What the server script wrote to its .env file.
 * @typedef {object} BenchRemote
 * @property {string} name  `--remotes` name and step-id part (`volback.<name>.zstd.full`, `ref.<name>.upload`)
 * @property {string} title  in step names: "full backup to <title>"
 * @property {{ script: string, env?: Record<string, string> }} server  tooling/servers/<script>.sh and the env (ports) it starts with
 * @property {(s: ServerEnv) => string} label  the server as the report names it
 * @property {(s: ServerEnv, container: string) => { url: string, env?: Record<string, string> }} volback  the CLI's target and env for one round
 * @property {{ tool: string, packages: string[], version: () => Promise<string | null>,
 *   create: (rec: unknown, ctx: unknown, step: { title: string, ids: { upload: string, download: string } }, s: ServerEnv, container: string) =>
 *   { upload(): Promise<void>, download(): Promise<void>, purge(container: string): Promise<void> } }} reference
 *   the reference tool (`rclone(...)` from rclone.mjs, or its own): `create` gives one round's session, which
 *   records its upload and download under `step.ids`; `purge` empties and removes a container, volback's too
 * @property {{ full?: number, restore?: number, rssMiB?: number }} [goals]  minimum ratios to the reference, peak RSS
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const SERVERS = resolve(HERE, '../servers');

/** Every descriptor in remotes/, by name. */
export async function allRemotes() {
  const out = new Map();
  for (const file of readdirSync(join(HERE, 'remotes'))
    .filter((f) => f.endsWith('.mjs'))
    .sort()) {
    const remote = (await import(pathToFileURL(join(HERE, 'remotes', file)).href)).default;
    out.set(remote.name, remote);
  }
  return out;
}

/** The descriptors `list` names ("s3,azure"), or an error naming the unknown ones. */
export async function selectRemotes(list) {
  const all = await allRemotes();
  const names = list
    ? list
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean)
    : [];
  const unknown = names.filter((n) => !all.has(n));
  if (unknown.length) throw new Error(`unknown remote ${unknown.join(', ')}: known are ${[...all.keys()].join(', ')}`);
  return names.map((n) => all.get(n));
}

/** Debian packages of the remotes' servers and reference tools. */
export function packagesOf(remotes) {
  const out = new Set();
  for (const r of remotes) {
    const listed = spawnSync('bash', [join(SERVERS, `${r.server.script}.sh`), 'packages'], { encoding: 'utf8' });
    for (const p of listed.stdout.split('\n').filter(Boolean)) out.add(p);
    for (const p of r.reference.packages) out.add(p);
  }
  return [...out];
}

/**
 * Starts the remote's server in a fresh servers directory and resolves to `{ env, stop }`, or to
 * `{ why }` when it did not start (the bench then skips that remote's steps).
 */
export function startServer(remote) {
  const dir = mkdtempSync(join(tmpdir(), `volback-bench-${remote.name}-`));
  const script = join(SERVERS, `${remote.server.script}.sh`);
  const env = { ...process.env, ...remote.server.env, VOLBACK_SERVERS_DIR: dir };
  const stop = () => {
    spawnSync('bash', [script, 'stop'], { env, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  const started = spawnSync('bash', [script, 'start'], { env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (started.status !== 0) {
    stop();
    return { why: `${remote.server.script}.sh start failed: ${started.stderr.trim().split('\n').slice(-3).join(' | ')}` };
  }
  return { env: readEnvFile(join(dir, `${remote.server.script}.env`)), stop };
}

/** The VOLBACK_TEST_* variables the server's .env file exports, read by bash itself (quoting and all). */
function readEnvFile(path) {
  const r = spawnSync('bash', ['-c', 'source "$1" && env -0', 'bash', path], { encoding: 'utf8', env: {} });
  const out = {};
  for (const entry of r.stdout.split('\0')) {
    const eq = entry.indexOf('=');
    if (entry.startsWith('VOLBACK_TEST_') && eq > 0) out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'packages') {
  process.stdout.write(packagesOf(await selectRemotes(process.argv[3] ?? '')).join('\n') + '\n');
}
