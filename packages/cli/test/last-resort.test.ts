import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The built command, as installed: the defence is in its entry point, which tests in-process skip.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { bin: { volback: string } };
const bin = fileURLToPath(new URL(`../${pkg.bin.volback}`, import.meta.url));

/**
 * A driver plugin whose stores misbehave as a bug in volback could: `lost://` never answers
 * (and holds nothing that keeps the process running), `stray://` leaves a rejection unhandled,
 * `thrown://` throws from a timer.
 */
const PLUGIN = `
const brand = Symbol.for('volback.driver');
const store = (scheme) => ({
  checkForSetupError() {
    if (scheme === 'lost') return new Promise(() => {});
    if (scheme === 'stray') Promise.reject(new Error('a stray failure'));
    if (scheme === 'thrown') setTimeout(() => { throw new Error('thrown from a timer'); });
    return new Promise((resolve) => setTimeout(resolve, 10_000));
  },
});
export default Object.freeze({
  id: 'misbehaving',
  schemes: ['lost', 'stray', 'thrown'],
  configSchema: { type: 'object' },
  parseConfig: (input) => input,
  configFromUrl: (url) => ({ scheme: url.protocol.slice(0, -1) }),
  createStore: (config) => store(config.scheme),
  [brand]: true,
});
`;

const host = mkdtempSync(join(tmpdir(), 'volback-last-resort-'));
const pluginDir = join(host, 'node_modules', 'volback-driver-misbehaving');
mkdirSync(pluginDir, { recursive: true });
writeFileSync(
  join(pluginDir, 'package.json'),
  JSON.stringify({
    name: 'volback-driver-misbehaving',
    version: '1.0.0',
    type: 'module',
    volback: {
      manifestVersion: 1,
      kind: 'driver',
      id: 'misbehaving',
      schemes: ['lost', 'stray', 'thrown'],
      apiVersion: '^1.0.0',
      entry: './index.js',
    },
  }),
);
writeFileSync(join(pluginDir, 'index.js'), PLUGIN);
writeFileSync(
  join(host, 'package.json'),
  JSON.stringify({ name: 'host', private: true, dependencies: { 'volback-driver-misbehaving': '*' } }),
);
afterAll(() => rmSync(host, { recursive: true, force: true }));

function volback(args: string[]): { status: number | null; signal: string | null; stderr: string } {
  const run = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, VOLBACK_PLUGINS_DIR: host, VOLBACK_STATE_DIR: join(host, 'state') },
    timeout: 30_000,
  });
  return { status: run.status, signal: run.signal, stderr: run.stderr };
}

describe('the volback command, when a bug escapes its error handling', () => {
  it.each([
    ['lost', /the command stopped before it finished/],
    ['stray', /a failure nobody handled: Error: a stray failure/],
    ['thrown', /an exception nobody caught: Error: thrown from a timer/],
  ])('%s://: says so and exits 1 (E_UNEXPECTED), never 13 or silently', (scheme, message) => {
    const run = volback(['list', '--store', `${scheme}://x`]);
    expect(run.signal).toBeNull();
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^volback: unexpected error \(a bug, please report it\): /);
    expect(run.stderr).toMatch(message);
  });
});
