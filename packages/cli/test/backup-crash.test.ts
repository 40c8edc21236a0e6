import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeVolume, mutateVolume, SeededRandom, sha256Hex, storeProblems } from '@volback/core/testing';
import { createPosixStore } from '@volback/driver-posix';
import { runCli } from './run-cli.js';

// The built command, as users run it: `.ci/run` builds before testing.
const bin = fileURLToPath(new URL('../dist/bundle/bin.js', import.meta.url));
const RUNS = 20;

let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'volback-crash-'));
  env = { VOLBACK_STATE_DIR: join(dir, 'state') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the real CLI; with `killAfterMs`, sends it SIGKILL then. Resolves how it ended, and how long it ran. */
function volback(
  args: string[],
  killAfterMs?: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    // Kept for the failure message: a run that ends wrongly says why.
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const killer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    // A hang is a failure, not a wait.
    const bound = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`volback ${args[0]} did not end within 60 s`));
    }, 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      clearTimeout(bound);
      resolve({ code, signal, ms: Date.now() - started, stderr });
    });
  });
}

/**
 * Every file under the store that no finished backup accounts for, read from the disk itself
 * (not through the store, whose listings prune relies on): a file belongs to a backup when its
 * directory holds that backup's `_metadata`. A put's temporary file never does.
 */
async function filesOfNoBackup(root: string): Promise<string[]> {
  const byDir = new Map<string, string[]>();
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) byDir.set(e.parentPath, [...(byDir.get(e.parentPath) ?? []), e.name]);
  }
  const stray: string[] = [];
  for (const [dir, names] of byDir) {
    const prefixes = names.filter((n) => n.endsWith('_metadata')).map((n) => n.slice(0, -'_metadata'.length));
    for (const n of names) if (!prefixes.some((p) => n.startsWith(p))) stray.push(join(dir, n));
  }
  return stray;
}

describe('a backup killed with SIGKILL at random points', () => {
  it(`leaves nothing that looks like a backup, prune removes what it left, and the next backup restores bit-exact (${RUNS} runs)`, async () => {
    const store = join(dir, 'store');
    const image = join(dir, 'disk.img');
    // Small 64 KiB objects and zlib at its slowest: the backup takes long enough to be cut anywhere.
    const flags = ['--to', store, '--volume-id', 'crash', '--object-size', '64K', '--compression', 'zlib', '--level', '9'];
    let volume = makeVolume(4 * 1024 * 1024, 14);
    await writeFile(image, volume);
    // Uncut runs of each kind, to know how long one takes here.
    const full = await volback(['backup', image, ...flags, '--id', 'crash-base']);
    expect(full.code).toBe(0);
    const contents = new Map([['crash-base', sha256Hex(volume)]]);
    const changed = (v: Uint8Array, seed: number): Uint8Array => mutateVolume(v, seed, 150);
    const probe = changed(volume, 99);
    await writeFile(image, probe);
    const incremental = await volback(['backup', image, ...flags, '--incremental', '--id', 'crash-probe']);
    expect(incremental.code).toBe(0);
    expect((await runCli(['delete', 'crash-probe', '--store', store], env)).code).toBe(0);
    const posix = createPosixStore({ root: store });
    const rng = new SeededRandom(14);
    const tally = { killed: 0, finishedFirst: 0, leftObjects: 0, leftTemporaryFiles: 0 };

    for (let run = 0; run < RUNS; run++) {
      volume = changed(volume, 100 + run);
      await writeFile(image, volume);
      const incrementalRun = run % 2 === 0;
      const kind = incrementalRun ? ['--incremental'] : [];
      const id = `crash-${run}`;
      // Anywhere from start-up to the end of an uncut run of that kind.
      const cut = await volback(['backup', image, ...flags, ...kind, '--id', id], rng.below((incrementalRun ? incremental : full).ms));
      if (cut.signal === 'SIGKILL') tally.killed++;
      else {
        expect(cut.code, `run ${run}: ${cut.stderr}`).toBe(0);
        tally.finishedFirst++;
      }
      // A kill after _metadata was written leaves a whole backup: that one must restore too.
      contents.set(id, sha256Hex(volume));

      // Nothing listed is broken; what is left over is only what the killed backup wrote.
      const problems = await storeProblems(posix, contents);
      expect(
        problems.filter((p) => !p.includes(`unfinished backup ${id} `)),
        `run ${run}`,
      ).toEqual([]);
      const left = await filesOfNoBackup(store);
      if (left.some((f) => !basename(f).startsWith('.'))) tally.leftObjects++;
      if (left.some((f) => basename(f).startsWith('.'))) tally.leftTemporaryFiles++;

      const pruned = await runCli(['prune', '--store', store, '--older-than', '0'], env);
      expect(pruned.code, pruned.stderr).toBe(0);
      expect(await storeProblems(posix, contents), `run ${run}`).toEqual([]);
      expect(await filesOfNoBackup(store), `run ${run}`).toEqual([]);

      // The next backup, and its restore, are bit-exact.
      const nextId = `after-crash-${run}`;
      const next = await runCli(['backup', image, ...flags, ...kind, '--id', nextId], env);
      expect(next.code, next.stderr).toBe(0);
      contents.set(nextId, sha256Hex(volume));
      const restored = join(dir, `restored-${run}.img`);
      expect((await runCli(['restore', nextId, restored, '--from', store], env)).code).toBe(0);
      expect(sha256Hex(await readFile(restored))).toBe(sha256Hex(volume));
      await rm(restored);
      // Only the base stays, so each run checks a store of the same size.
      for (const done of [nextId, id]) {
        if (!contents.delete(done)) continue;
        const deleted = await runCli(['delete', done, '--store', store], env);
        expect([0, 4], deleted.stderr).toContain(deleted.code);
      }
    }
    // The runs really cut backups midway, some of them leaving objects behind.
    expect(tally.killed).toBeGreaterThan(RUNS / 2);
    expect(tally.leftObjects).toBeGreaterThan(0);
    console.log(`crash runs: ${JSON.stringify(tally)}`);
  }, 300_000);
});
