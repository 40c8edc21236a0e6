/** Where a command writes, so tests can run commands in-process and read their output. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** Thrown for a wrong command line; printed with the usage hint and exit code 2. */
export class UsageError extends Error {}
