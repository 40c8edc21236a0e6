import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingDriverError } from '../src/missing-driver.js';
import type { FoundPlugin } from '../src/plugin-dirs.js';

// The built command, run as a user runs it: from wherever they are.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { bin: { volback: string } };
const bin = fileURLToPath(new URL(`../${pkg.bin.volback}`, import.meta.url));
const EXAMPLE = join(dirname(fileURLToPath(import.meta.url)), '../../../examples/driver-memory');

type Row = { id: string; package: string; status: string; foundVia: string; dir: string };
function drivers(cwd: string, env: Record<string, string> = {}): Row[] {
  const { VOLBACK_PLUGINS_DIR: _, ...inherited } = process.env;
  const run = spawnSync(process.execPath, [bin, 'drivers', '--json'], {
    cwd,
    encoding: 'utf8',
    env: { ...inherited, ...env },
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Row[];
}

let scratch: string;
/** A user's project with the example driver installed, and a directory two levels inside it. */
let project: string;
let inside: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'volback-dirs-'));
  project = join(scratch, 'project');
  inside = join(project, 'src', 'deep');
  mkdirSync(inside, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true }));
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(EXAMPLE, join(project, 'node_modules', 'volback-driver-memory'), 'dir');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('where the CLI looks for drivers', () => {
  it('finds posix from a directory outside any project', () => {
    const outside = join(scratch, 'nowhere');
    mkdirSync(outside);
    const posix = drivers(outside).find((r) => r.id === 'posix');
    expect(posix).toMatchObject({ status: 'ok', foundVia: 'beside the CLI' });
  });

  it("finds a project's drivers from any directory inside it", () => {
    const rows = drivers(inside);
    expect(rows.find((r) => r.package === 'volback-driver-memory')).toMatchObject({ status: 'ok', foundVia: 'project' });
    expect(rows.find((r) => r.id === 'posix')?.status).toBe('ok');
  });

  it('adds every directory of VOLBACK_PLUGINS_DIR to the others, and says which found what', () => {
    const empty = join(scratch, 'empty');
    mkdirSync(empty);
    const rows = drivers(join(scratch, 'nowhere'), { VOLBACK_PLUGINS_DIR: [empty, project].join(delimiter) });
    expect(rows.find((r) => r.package === 'volback-driver-memory')).toMatchObject({ status: 'ok', foundVia: 'VOLBACK_PLUGINS_DIR' });
    expect(rows.find((r) => r.id === 'posix')?.status).toBe('ok');
  });

  it('uses the first of two packages with one driver id and says the other is not used', () => {
    const second = join(scratch, 'second');
    mkdirSync(join(second, 'node_modules'), { recursive: true });
    cpSync(EXAMPLE, join(second, 'node_modules', 'volback-driver-memory'), {
      recursive: true,
      filter: (src) => !src.includes('node_modules'),
    });
    const rows = drivers(join(scratch, 'nowhere'), { VOLBACK_PLUGINS_DIR: [project, second].join(delimiter) });
    const memory = rows.filter((r) => r.id === 'memory');
    expect(memory.map((r) => r.status)).toEqual(['ok', 'not used']);
    expect(memory[0]?.dir).toBe(realpathSync(EXAMPLE));
  });
});

describe('a scheme no installed driver serves', () => {
  const found = (id: string, schemes: string[], status: 'ok' | 'error' = 'ok', error?: string): FoundPlugin => ({
    id,
    packageName: `@volback/driver-${id}`,
    version: '1.0.0',
    dir: `/x/${id}`,
    schemes,
    apiVersion: '^1.0.0',
    entryPath: `/x/${id}/dist/index.js`,
    status,
    foundVia: 'project',
    ...(error ? { error } : {}),
  });

  it("lists the installed drivers and names the project's package for its scheme", () => {
    const err = missingDriverError('gs', [found('posix', ['file']), found('s3', ['s3'])]);
    expect(err.code).toBe('E_PLUGIN');
    expect(err.message).toMatch(/^no installed volback driver serves "gs:" targets; installed drivers: posix \(file:\), s3 \(s3:\); /);
    expect(err.message).toContain('install @volback/driver-gcs (npm install @volback/driver-gcs)');
    expect(err.message).toContain('VOLBACK_PLUGINS_DIR');
  });

  it('says why a driver found for the scheme cannot load, and what to look for otherwise', () => {
    const err = missingDriverError('memory', [found('memory', ['memory'], 'error', 'entry ./dist/index.js not found')]);
    expect(err.message).toContain('installed drivers: none');
    expect(err.message).toContain('@volback/driver-memory would, but cannot load: entry ./dist/index.js not found');
    expect(err.message).toContain('install a driver package whose package.json volback.schemes lists "memory"');
  });
});
