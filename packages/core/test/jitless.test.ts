import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeVolume, sha256Hex } from '../src/testing/test-data.js';

// The published bundle, as a host loads it; `.ci/run` builds before testing.
const bundle = (file: string): string => new URL(`../dist/bundle/${file}`, import.meta.url).href;

const VOLUME_BYTES = 3 * 1024 * 1024 + 4097;
const SEED = 5;

// A full backup (many chunks: the MD5 lanes' case) and its restore, on worker threads.
const ROUND_TRIP = `
const core = await import(${JSON.stringify(bundle('index.js'))});
const { makeVolume, sha256Hex } = await import(${JSON.stringify(bundle('testing.js'))});
const catalog = new core.MemoryCatalog();
const driver = new core.ChunkedBackupDriver(new core.MemoryObjectStore(), { objectSize: 256 * 1024, catalog, workers: 2 });
const volume = makeVolume(${VOLUME_BYTES}, ${SEED});
const { record, kind } = await driver.backup(core.newBackupRecord({ volumeId: 'v' }), new core.BufferVolumeSource(volume));
catalog.put(record);
const target = new core.BufferRestoreTarget();
await driver.restore(record, 'v', target);
await driver.verify(record);
await driver.close();
console.log(JSON.stringify({ webAssembly: typeof WebAssembly, kind, restored: sha256Hex(target.data) }));
`;

describe('core without WebAssembly (node --jitless)', () => {
  it('imports, and backs up and restores bit-exact on worker threads', () => {
    // A file, not -e: worker threads inherit the process's flags, and --input-type would stop them.
    const dir = mkdtempSync(join(tmpdir(), 'volback-jitless-'));
    const script = join(dir, 'round-trip.mjs');
    writeFileSync(script, ROUND_TRIP);
    const run = spawnSync(process.execPath, ['--jitless', script], { encoding: 'utf8', timeout: 120_000 });
    rmSync(dir, { recursive: true });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as Record<string, string>;
    expect(out).toEqual({ webAssembly: 'undefined', kind: 'full', restored: sha256Hex(makeVolume(VOLUME_BYTES, SEED)) });
  });
});
