import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeVolume } from '@volback/core/testing';

// The real command, as installed: signals, threads and the exit status are the process's own.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { bin: { volback: string } };
const bin = fileURLToPath(new URL(`../${pkg.bin.volback}`, import.meta.url));

let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'volback-signals-'));
  env = { ...process.env, VOLBACK_STATE_DIR: join(dir, 'state'), VOLBACK_PLUGINS_DIR: dir };
});
/** Children still running when a test ends (it failed): killed, so none outlives the test. */
const started = new Set<Run>();
afterEach(() => {
  for (const run of started) if (run.running()) run.kill('SIGKILL');
  started.clear();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  pid: number;
  exited: Promise<{ status: number; stderr: string }>;
  running: () => boolean;
  kill: (signal: NodeJS.Signals) => void;
}

/** Starts `volback args`; its status is the shell's: 128 + the signal that ended it, if one did. */
function start(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let done = false;
  const exited = new Promise<{ status: number; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => {
      done = true;
      resolve({ status: code ?? 128 + (signal ? constants.signals[signal] : 0), stderr });
    });
  });
  const run: Run = { pid: child.pid as number, exited, running: () => !done, kill: (signal) => child.kill(signal) };
  started.add(run);
  return run;
}

/** Waits (bounded by the test's timeout) until `ready()` holds, then a little more so the command is inside what blocks it. */
async function until(ready: () => boolean | Promise<boolean>, run: Run): Promise<void> {
  while (!(await ready())) {
    if (!run.running()) throw new Error('the command ended before it blocked');
    await sleep(50);
  }
  await sleep(500);
  expect(run.running()).toBe(true);
}

/** True once one of the process's threads waits in the kernel for a FIFO's writer (Linux). */
async function waitsOnFifo(pid: number): Promise<boolean> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => []);
  const states = await Promise.all(tasks.map((t) => readFile(`/proc/${pid}/task/${t}/wchan`, 'utf8').catch(() => '')));
  return states.includes('wait_for_partner');
}

/** A posix store with one backup of several objects; returns its id and container. */
async function storeWithBackup(name: string): Promise<{ store: string; id: string; container: string }> {
  const store = join(dir, name);
  const image = join(dir, `${name}.img`);
  await writeFile(image, makeVolume(1024 * 1024, 9));
  const out = execFileSync(
    process.execPath,
    [bin, 'backup', image, '--to', store, '--object-size', '128K', '--compression', 'none', '--json'],
    {
      env,
      encoding: 'utf8',
    },
  );
  const id = (JSON.parse(out) as { id: string }).id;
  return { store, id, container: join(store, id.slice(0, 2), id.slice(2, 4), id) };
}

/** Replaces a file by a FIFO nobody writes: whoever opens it to read waits forever, in the thread pool. */
async function blockOn(path: string): Promise<void> {
  await rm(path, { force: true });
  execFileSync('mkfifo', [path]);
}

describe('SIGTERM and SIGINT always stop a command', () => {
  it('a restore blocked reading its backup: SIGTERM ends it with 130 and leaves no file behind', async () => {
    const { store, id, container } = await storeWithBackup('fifo-hashes');
    // The store lists FIFOs as no objects, but reads the hash list by name.
    await blockOn(join(container, (await readdir(container)).find((n) => n.endsWith('_sha256file')) as string));
    const out = join(dir, 'out');
    await mkdir(out);
    const run = start(['restore', id, join(out, 'restored.img'), '--from', store]);
    await until(async () => (await waitsOnFifo(run.pid)) && (await readdir(out)).some((n) => n.includes('volback-partial')), run);
    run.kill('SIGTERM');
    const { status, stderr } = await run.exited;
    expect(status, stderr).toBe(130);
    expect(stderr).toContain('SIGTERM: stopping');
    expect(stderr).toMatch(/E_CANCELLED|stopped without waiting \(partial files removed\)/);
    expect(await readdir(out)).toEqual([]);
  }, 60_000);

  it('a listing blocked finding its drivers: SIGINT twice ends it at once with 130', async () => {
    const { store } = await storeWithBackup('fifo-plugins');
    const plugins = join(dir, 'fifo-plugins-dir');
    await mkdir(plugins);
    await blockOn(join(plugins, 'package.json'));
    const run = start(['list', '--store', store], { VOLBACK_PLUGINS_DIR: plugins });
    await until(() => waitsOnFifo(run.pid), run);
    run.kill('SIGINT');
    await sleep(200);
    run.kill('SIGINT');
    const { status, stderr } = await run.exited;
    expect(status, stderr).toBe(130);
    expect(stderr).toContain('volback: SIGINT again: stopped without waiting');
  }, 60_000);

  it('a command stuck in a loop of microtasks, which never yields to its event loop: SIGTERM ends it with 130', async () => {
    const plugin = await spinPlugin();
    const run = start(['list', '--store', 'spin://loop'], { VOLBACK_PLUGINS_DIR: plugin });
    await until(() => existsSync(join(plugin, 'loop')), run);
    run.kill('SIGTERM');
    const { status, stderr } = await run.exited;
    expect(status, stderr).toBe(130);
    expect(stderr).toMatch(/still running \d+ s after SIGTERM/);
  }, 60_000);

  it('a command waiting on something that never comes stops at the first signal with E_CANCELLED', async () => {
    const plugin = await spinPlugin();
    const run = start(['show', 'some-id', '--store', 'spin://wait'], { VOLBACK_PLUGINS_DIR: plugin });
    await until(() => existsSync(join(plugin, 'wait')), run);
    run.kill('SIGTERM');
    const { status, stderr } = await run.exited;
    expect(status, stderr).toBe(130);
    expect(stderr).toContain('volback show: E_CANCELLED: interrupted by SIGTERM');
    expect(stderr).not.toContain('stopped without waiting');
  }, 60_000);
});

/**
 * A driver plugin whose store never finishes checking its setup: `spin://loop` loops on
 * microtasks, never waiting on I/O; `spin://wait` waits on a timer. Each first leaves a file named
 * after its mode, to say it got there.
 */
async function spinPlugin(): Promise<string> {
  const plugin = join(dir, 'plugin');
  if (existsSync(plugin)) return plugin;
  await mkdir(plugin);
  await writeFile(
    join(plugin, 'package.json'),
    JSON.stringify({
      name: 'volback-driver-spin',
      version: '1.0.0',
      type: 'module',
      volback: { manifestVersion: 1, kind: 'driver', id: 'spin', schemes: ['spin'], apiVersion: '^1.0.0', entry: './index.js' },
    }),
  );
  await writeFile(
    join(plugin, 'index.js'),
    `import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
export default {
  [Symbol.for('volback.driver')]: true,
  id: 'spin',
  schemes: ['spin'],
  configSchema: { type: 'object' },
  parseConfig: (c) => c,
  configFromUrl: (url) => ({ mode: url.hostname }),
  createStore: ({ mode }) => ({
    driverId: 'spin',
    serviceName: 'spin',
    capabilities: { maxConcurrency: 1 },
    async checkForSetupError() {
      writeFileSync(join(${JSON.stringify(plugin)}, mode), '');
      if (mode === 'loop') for (;;) await null;
      await new Promise((resolve) => setInterval(() => undefined, 1000));
    },
  }),
};
`,
  );
  return plugin;
}
