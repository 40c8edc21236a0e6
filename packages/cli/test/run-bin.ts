import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// What `volback` runs once installed: the bin of package.json (the bundle), not the sources.
// `.ci/run` builds before testing; a plain `vitest run` sees the last build.
export const cliPackage = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
  bin: { volback: string };
};
export const bin = fileURLToPath(new URL(`../${cliPackage.bin.volback}`, import.meta.url));

/** Runs the built `volback` with `args` in a process of its own. */
export function volback(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
