/** Where a command writes, so tests can run commands in-process and read their output. */
export interface CliIo {
  /** Where results go (`process.stdout` when run); `main` scrubs secrets from what is written. */
  stdout: { write(text: string): unknown; isTTY?: boolean };
  /** Where errors and the progress line go (`process.stderr` when run); the line is drawn only when `isTTY`. */
  stderr: { write(text: string): unknown; isTTY?: boolean };
  /** The environment the command reads (`VOLBACK_*`, credentials), so a test can set it without touching the process's. */
  env: NodeJS.ProcessEnv;
}

/** Thrown for a wrong command line; printed with the usage hint and exit code 2. */
export class UsageError extends Error {}
