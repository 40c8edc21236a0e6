import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeVolume, mutateVolume } from '@volback/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualTerminal } from './virtual-terminal.js';

// The built command, as installed (see published-bin.test.ts): `turbo run build` first.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { bin: { volback: string } };
const bin = fileURLToPath(new URL(`../${pkg.bin.volback}`, import.meta.url));

const MiB = 1024 * 1024;
const WIDTH = 60;
const PROGRESS = /^(backup|restore|verify) +\d+%/;

let dir: string;
let image: string;
let env: Record<string, string>;

/** 64 MiB in 4 MiB parts, four of them zero: 1 MiB objects make 64 of them, 16 all zero. */
function partlyZeroVolume(seed: number): Uint8Array {
  const out = new Uint8Array(64 * MiB);
  for (let part = 0; part < 16; part++) {
    if (![3, 4, 9, 13].includes(part)) out.set(makeVolume(4 * MiB, seed + part), part * 4 * MiB);
  }
  return out;
}

function quote(arg: string): string {
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

/** Runs `volback args` on a pseudo-terminal WIDTH columns wide (util-linux `script`); all it showed, raw. */
function onTerminal(args: string[], redirect = ''): { status: number | null; raw: string } {
  const command = `stty cols ${WIDTH} rows 24 && exec ${[process.execPath, bin, ...args].map(quote).join(' ')}${redirect}`;
  const run = spawnSync('script', ['-qfec', command, '/dev/null'], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: run.status, raw: run.stdout };
}

/** Runs `volback args` with stdout and stderr on pipes. */
function onPipes(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** What the terminal showed: the progress frames drawn, and the screen once the command ended. */
function watch(raw: string) {
  const term = new VirtualTerminal(WIDTH).write(raw);
  const frames = term.segments.filter((s) => PROGRESS.test(s.written));
  return { term, frames, screen: term.screen() };
}

function expectCleanRedraws(raw: string): ReturnType<typeof watch> {
  const seen = watch(raw);
  // The first frame and the done one are always drawn, however fast the machine.
  expect(seen.frames.length, raw).toBeGreaterThanOrEqual(2);
  for (const f of seen.frames) {
    expect(f.wrapped, `frame wider than ${WIDTH} columns: ${f.written}`).toBe(false);
    expect(f.written.length).toBeLessThan(WIDTH);
    // Nothing of an earlier, longer frame is left to the right of this one (the old `objectss`).
    expect(f.visible).toBe(f.written);
    expect(f.written).toMatch(/ ETA (--:--|\d+:\d\d)( |$)/);
  }
  expect(seen.frames.at(-1)?.written).toMatch(/^\w+ 100%/);
  return seen;
}

/** The line printed last, after checking that the screen shows it (wrapped at the width) and nothing else. */
function finalLine(seen: ReturnType<typeof watch>): string {
  const last = seen.term.segments.at(-1)?.written ?? '';
  const rows: string[] = [];
  for (let at = 0; at < last.length; at += WIDTH) rows.push(last.slice(at, at + WIDTH).trimEnd());
  expect(seen.screen).toEqual(rows);
  return last;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'volback-progress-'));
  image = join(dir, 'disk.img');
  writeFileSync(image, partlyZeroVolume(40));
  env = { VOLBACK_STATE_DIR: join(dir, 'state'), VOLBACK_PLUGINS_DIR: join(dir, 'no-plugins') };
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the terminal model these tests read the output with', () => {
  it('sees what a redraw without erase leaves behind, and a frame too wide for the terminal', () => {
    const stale = watch('\rbackup  50%  188 objects\rbackup  51%  18 objects\n');
    expect(stale.frames.map((f) => f.visible)).toEqual(['backup  50%  188 objects', 'backup  51%  18 objectss']);
    expect(stale.screen).toEqual(['backup  51%  18 objectss']);
    const erased = watch('\rbackup  50%  188 objects\x1b[K\rbackup  51%  18 objects\x1b[K\r\x1b[Kdone\r\n');
    expect(erased.frames.map((f) => f.visible)).toEqual(['backup  50%  188 objects', 'backup  51%  18 objects']);
    expect(erased.screen).toEqual(['done']);
    const wide = watch(`\rbackup  50%  ${'x'.repeat(WIDTH)}\x1b[K\r`);
    expect(wide.frames[0]?.wrapped).toBe(true);
  });
});

describe.runIf(process.platform === 'linux')('progress of the built volback on a pseudo-terminal', () => {
  it('backup, incremental, restore and verify redraw one clean line within the width, then leave only their summary', () => {
    const store = join(dir, 'tty-store');
    const full = onTerminal(['backup', image, '--to', store, '--volume-id', 'v', '--object-size', '1M']);
    expect(full.status, full.raw).toBe(0);
    const fullSeen = expectCleanRedraws(full.raw);
    // The done frame is shorter than the first (its wide fields no longer fit): a redraw that shrank was checked.
    expect(fullSeen.frames.some((f, i) => i > 0 && f.written.length < (fullSeen.frames[i - 1]?.written.length ?? 0))).toBe(true);
    // No leftover progress line: the screen shows the summary, wrapped, and nothing else.
    const summary = finalLine(fullSeen);
    expect(summary).toMatch(
      /^full backup \S+ of volume v: 64\.0 MiB read, [\d.]+ MiB stored \(0\.\d\d of the volume\), 64 objects, 16\.0 MiB zero, [\d.]+ s, [\d.]+ [KMG]iB\/s$/,
    );
    const id = /^full backup (\S+) /.exec(summary)?.[1] as string;

    writeFileSync(image, mutateVolume(readFileSync(image), 41));
    const incr = onTerminal(['backup', image, '--to', store, '--volume-id', 'v', '--incremental']);
    expect(incr.status, incr.raw).toBe(0);
    const incrSummary = finalLine(expectCleanRedraws(incr.raw));
    expect(incrSummary).toMatch(
      new RegExp(`^incremental backup \\S+ of volume v on ${id}: 64\\.0 MiB read, .* changed, .* unchanged, .* stored`),
    );

    const restored = join(dir, 'restored.img');
    const restore = onTerminal(['restore', id, restored, '--from', store]);
    expect(restore.status, restore.raw).toBe(0);
    // Zero objects and the zero stretches inside others.
    expect(finalLine(expectCleanRedraws(restore.raw))).toMatch(
      new RegExp(`^restored backup ${id} into ${restored}: 64\\.0 MiB, chain of 1, verified, [\\d.]+ MiB zero left as holes, `),
    );

    const verify = onTerminal(['verify', id, '--store', store]);
    expect(verify.status, verify.raw).toBe(0);
    expect(finalLine(expectCleanRedraws(verify.raw))).toMatch(
      new RegExp(`^backup ${id} is intact: 64\\.0 MiB, chain of 1, 64 objects checked, `),
    );
  });

  it('--json on a terminal: progress events on stderr, no redraws; --quiet: just the id', () => {
    const store = join(dir, 'tty-json-store');
    const out = join(dir, 'backup.json');
    const json = onTerminal(['backup', image, '--to', store, '--object-size', '1M', '--json'], ` > ${quote(out)}`);
    expect(json.status, json.raw).toBe(0);
    const { id } = JSON.parse(readFileSync(out, 'utf8')) as { id: string };
    const events = json.raw
      .split('\r\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { backupId: string; done: boolean });
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.every((e) => e.backupId === id)).toBe(true);
    expect(events.at(-1)?.done).toBe(true);

    const quiet = onTerminal(['backup', image, '--to', store, '--quiet']);
    expect(quiet.status, quiet.raw).toBe(0);
    expect(quiet.raw).toMatch(/^[0-9a-f-]{36}\r\n$/);
  });
});

describe('progress of the built volback off a terminal', () => {
  let store: string;
  let id: string;
  beforeAll(() => {
    store = join(dir, 'pipe-store');
  });

  it('prints no progress and no carriage return, only the summary line on stdout', () => {
    const backup = onPipes(['backup', image, '--to', store, '--volume-id', 'v', '--object-size', '1M']);
    expect(backup.status, backup.stderr).toBe(0);
    expect(backup.stderr).toBe('');
    expect(backup.stdout).toMatch(/^full backup \S+ of volume v: [^\n\r]+ MiB\/s\n$/);
    id = /^full backup (\S+) /.exec(backup.stdout)?.[1] as string;
    for (const args of [
      ['restore', id, join(dir, 'piped.img'), '--from', store],
      ['verify', id, '--store', store],
    ]) {
      const r = onPipes(args);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^[^\n\r]+ MiB\/s\n$/);
    }
  });

  it('--json: stderr is one progress event a line, monotonic, the last one done; stdout is one JSON document', () => {
    for (const args of [
      ['backup', image, '--to', store, '--volume-id', 'v', '--object-size', '1M', '--json'],
      ['restore', id, join(dir, 'json.img'), '--from', store, '--json'],
      ['verify', id, '--store', store, '--json'],
    ]) {
      const r = onPipes(args);
      expect(r.status, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout) as { id: string; seconds: number };
      expect(typeof result.seconds).toBe('number');
      const lines = r.stderr.split('\n');
      expect(lines.pop()).toBe('');
      const events = lines.map((l) => JSON.parse(l) as Record<string, number | string | boolean>);
      expect(events.length).toBeGreaterThanOrEqual(2);
      for (const e of events) {
        expect(e).toMatchObject({ event: 'progress', operation: args[0], backupId: result.id });
        for (const k of ['bytesDone', 'bytesTotal', 'objectsDone', 'bytesTransferred', 'zeroBytes', 'unchangedBytes', 'elapsedSeconds']) {
          expect(typeof e[k], k).toBe('number');
        }
      }
      for (let i = 1; i < events.length; i++) {
        for (const k of ['bytesDone', 'objectsDone', 'bytesTransferred', 'zeroBytes', 'unchangedBytes', 'elapsedSeconds']) {
          expect(events[i]?.[k], `${args[0]} ${k}`).toBeGreaterThanOrEqual(events[i - 1]?.[k] as number);
        }
      }
      expect(events.filter((e) => e.done)).toEqual([events.at(-1)]);
      expect(events.at(-1)?.bytesDone).toBe(64 * MiB);
    }
  });

  it('--quiet: a backup prints its id alone, a restore and a verify nothing', () => {
    const backup = onPipes(['backup', image, '--to', store, '--volume-id', 'v', '-q']);
    expect(backup.status, backup.stderr).toBe(0);
    expect(backup.stderr).toBe('');
    expect(backup.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    const quietId = backup.stdout.trim();
    for (const args of [
      ['restore', quietId, join(dir, 'quiet.img'), '--from', store, '--quiet'],
      ['verify', quietId, '--store', store, '--quiet'],
    ]) {
      const r = onPipes(args);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toBe('');
    }
  });
});
