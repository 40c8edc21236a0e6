import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const EXAMPLE = join(dirname(fileURLToPath(import.meta.url)), '../../../examples/driver-memory');

/** A host project with the example driver installed, plus a copy built for another core API. */
let host: string;
beforeAll(async () => {
  host = await mkdtemp(join(tmpdir(), 'volback-host-'));
  await writeFile(
    join(host, 'package.json'),
    JSON.stringify({ name: 'host', private: true, dependencies: { 'volback-driver-memory': '*' } }),
  );
  await mkdir(join(host, 'node_modules'), { recursive: true });
  await symlink(EXAMPLE, join(host, 'node_modules', 'volback-driver-memory'), 'dir');
  const stale = join(host, 'node_modules', 'volback-driver-memory-next');
  await cp(EXAMPLE, stale, { recursive: true, filter: (src) => !src.includes('node_modules') });
  const pkg = JSON.parse(await readFile(join(stale, 'package.json'), 'utf8'));
  pkg.name = 'volback-driver-memory-next';
  pkg.volback = { ...pkg.volback, id: 'memory-next', schemes: ['memory-next'], apiVersion: '^2.0.0' };
  await writeFile(join(stale, 'package.json'), JSON.stringify(pkg, null, 2));
});
afterAll(async () => {
  await rm(host, { recursive: true, force: true });
});

describe('driver plugins from the CLI', () => {
  it('discovers the installed example driver and rejects the copy built for another API version', async () => {
    const { code, stdout } = await runCli(['drivers', '--json'], { VOLBACK_PLUGINS_DIR: host });
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as { id: string; package: string; status: string; error?: string }[];
    expect(rows.find((r) => r.package === 'volback-driver-memory')).toMatchObject({ id: 'memory', status: 'ok' });
    const stale = rows.find((r) => r.package === 'volback-driver-memory-next');
    expect(stale?.status).toBe('error');
    expect(stale?.error).toMatch(/needs volback plugin API \^2\.0\.0, but this core provides 1\.0\.0/);
    expect(rows.find((r) => r.id === 'posix')?.status).toBe('ok');
  });

  it('runs the conformance suite against a discovered driver and reports it', async () => {
    const { code, stdout } = await runCli(['conformance', 'memory://conformance'], { VOLBACK_PLUGINS_DIR: host });
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/PASS .*BackupDriver contract › incremental chain of 3 restores every point/);
    expect(stdout).toMatch(/\n\d+ passed, 0 failed, \d+ skipped in/);
  }, 120_000);

  it("prints a driver's config schema, declared once in the driver, and names an unknown driver", async () => {
    const { code, stdout } = await runCli(['drivers', '--schema', 'memory'], { VOLBACK_PLUGINS_DIR: host });
    expect(code).toBe(0);
    const schema = JSON.parse(stdout) as {
      type: string;
      additionalProperties: boolean;
      properties: Record<string, { type: string; default?: unknown }>;
    };
    expect(schema).toMatchObject({
      type: 'object',
      additionalProperties: false,
      properties: { name: { type: 'string', default: 'default' } },
    });
    const missing = await runCli(['drivers', '--schema', 'nosuch'], { VOLBACK_PLUGINS_DIR: host });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no driver "nosuch" is installed; installed: .*memory/);
  });

  it('says which driver is missing for an unknown scheme', async () => {
    const { code, stderr } = await runCli(['list', '--store', 'nosuch://x'], { VOLBACK_PLUGINS_DIR: host });
    expect(code).toBe(9);
    expect(stderr).toContain('no installed volback driver serves "nosuch:" targets; installed drivers: ');
    expect(stderr).toMatch(/installed drivers: [^;]*memory \(memory:\)/);
  });
});
