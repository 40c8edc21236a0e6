/** Where a command writes, so tests can run commands in-process and read their output. */
export interface CliIo {
  /** Where results go (`process.stdout` when run); `main` scrubs secrets from what is written. */
  stdout: {
    /** Writes text as it is (no newline added). */
    write(text: string): unknown;
    /** True on a terminal: tables and prompts may then be shaped for a person. */
    isTTY?: boolean;
    /** The terminal's width, when it is one: help is wrapped to it. */
    columns?: number;
  };
  /** Where errors and the progress line go (`process.stderr` when run); the line is drawn only when `isTTY`. */
  stderr: {
    /** Writes text as it is (no newline added). */
    write(text: string): unknown;
    /** True on a terminal: the progress line is drawn only then. */
    isTTY?: boolean;
    /** The terminal's width in characters, when it is one: the progress line never grows wider (80 when unknown). */
    columns?: number;
  };
  /** The environment the command reads (`VOLBACK_*`, credentials), so a test can set it without touching the process's. */
  env: NodeJS.ProcessEnv;
}

/** Thrown for a wrong command line; printed with the usage hint and exit code 2. */
export class UsageError extends Error {}
