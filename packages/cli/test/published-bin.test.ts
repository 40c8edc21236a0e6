import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN as bin, VERSION, volback } from './run-bin.js';

describe('the published volback command', () => {
  it('knows its version, finds the drivers installed beside it, and backs up and restores', () => {
    const dir = mkdtempSync(join(tmpdir(), 'volback-bin-'));
    try {
      // An empty plugins dir: only the drivers beside the CLI itself can be found.
      const env = { VOLBACK_PLUGINS_DIR: dir, VOLBACK_STATE_DIR: join(dir, 'state') };
      expect(volback(['--version'], env).stdout.trim()).toBe(VERSION);
      const drivers = volback(['drivers'], env);
      expect(drivers.status).toBe(0);
      expect(drivers.stdout).toMatch(/^posix\s+@volback\/driver-posix\s.*\bok$/m);

      const image = join(dir, 'disk.img');
      const data = Buffer.alloc(3 * 1024 * 1024 + 512);
      for (let i = 0; i < data.length; i += 4096) data.write(`block ${i}`, i);
      writeFileSync(image, data);
      const store = join(dir, 'store');
      const backup = volback(['backup', image, '--to', store, '--volume-id', 'v', '--json'], env);
      const { id } = JSON.parse(backup.stdout) as { id: string };
      // stderr holds progress events only, the last one the backup's end: no warning, no error.
      const events = backup.stderr
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as { event: string; backupId: string; done: boolean });
      expect(events.every((e) => e.event === 'progress' && e.backupId === id)).toBe(true);
      expect(events.at(-1)?.done).toBe(true);
      const restored = join(dir, 'restored.img');
      expect(volback(['restore', id, restored, '--from', store], env).status).toBe(0);
      expect(readFileSync(restored).equals(data)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ends normally, without a stack trace, when its reader goes away before it prints', () => {
    // `true` exits at once, so the command writes into a pipe nobody reads (EPIPE).
    const run = spawnSync(
      'bash',
      [
        '-c',
        'set -o pipefail; "$0" "$1" drivers 2>"$2" | true; echo "$?"; cat "$2"',
        process.execPath,
        bin,
        join(tmpdir(), `volback-epipe-${process.pid}`),
      ],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    const [status, ...stderr] = run.stdout.split('\n');
    expect(stderr.join('\n')).not.toMatch(/EPIPE|Error|at /);
    expect(status).toBe('0');
  });
});
