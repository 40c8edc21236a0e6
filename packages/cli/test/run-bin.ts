import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// What `volback` runs once installed: the bin of package.json (the bundle), not the sources.
// `.ci/run` builds before testing; a plain `vitest run` sees the last build.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; bin: { volback: string } };

/** The built `volback` command's path. */
export const BIN = fileURLToPath(new URL(`../${pkg.bin.volback}`, import.meta.url));
/** The CLI package's version. */
export const VERSION = pkg.version;

/** What one run of the built command printed, and its exit status. */
export interface BinRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built command as a user would, in its own process. */
export function runBin(args: string[], options: { env?: Record<string, string>; cwd?: string; input?: string } = {}): BinRun {
  const run = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.input !== undefined ? { input: options.input } : {}),
    timeout: 120_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** {@link runBin} with an environment only, as most tests call it. */
export function volback(args: string[], env: Record<string, string>): BinRun {
  return runBin(args, { env });
}
