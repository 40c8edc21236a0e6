import { main } from '../src/main.js';

/** Runs the CLI in-process and captures what it prints. */
export async function runCli(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: { ...process.env, ...env },
  });
  return { code, stdout, stderr };
}
