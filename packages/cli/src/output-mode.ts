import type { CliIo } from './io.js';

/** How much a run prints, and in which form: the global `--json`, `--quiet` and `--verbose`. */
export interface OutputMode {
  /** `--json`: progress and errors as JSON lines on stderr, the result as one JSON document on stdout. */
  json: boolean;
  /** `--quiet`: no progress, and the least of a result (a backup's id, list's ids). */
  quiet: boolean;
  /** `--verbose`: progress steps even off a terminal, where a named target came from, an error's causes. */
  verbose: boolean;
}

const modes = new WeakMap<CliIo, OutputMode>();

/** Set by `main` once the command line is read. */
export function setOutputMode(io: CliIo, mode: OutputMode): void {
  modes.set(io, mode);
}

/** The run's output mode; plain text when `main` has not set one. */
export function outputMode(io: CliIo): OutputMode {
  return modes.get(io) ?? { json: false, quiet: false, verbose: false };
}
