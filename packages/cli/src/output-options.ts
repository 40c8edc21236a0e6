import type { ParsedValues } from './command.js';

/** How much a command tells while it runs and when it is done. */
export interface OutputOptions {
  /** `--json`: progress as JSON events on stderr, the result as one JSON document on stdout. */
  json: boolean;
  /** `--quiet`: no progress, and the least of a result (a backup's id). */
  quiet: boolean;
  /** `--verbose`: progress steps even when stderr is not a terminal. */
  verbose: boolean;
}

/** The output options of a parsed command line. */
export function outputOptions(values: ParsedValues): OutputOptions {
  return { json: values.json === true, quiet: values.quiet === true, verbose: values.verbose === true };
}
