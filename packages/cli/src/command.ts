import type { ParseArgsConfig } from 'node:util';
import type { CliIo } from './io.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
/** The option values node:util parseArgs read from a command line, by option name. */
export type ParsedValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** One `volback` sub-command. */
export interface Command {
  /** The word after `volback` that runs it (`backup`). */
  name: string;
  /** One line for `volback --help`. */
  summary: string;
  /** Argument synopsis after the command name. */
  usage: string;
  /** The options it takes, as node:util parseArgs reads them. */
  options: OptionSpec;
  /** Runs it on the parsed command line; resolves to the exit status, or throws a typed error that becomes one. */
  run(positionals: string[], values: ParsedValues, io: CliIo): Promise<number>;
}

/** Options every command that touches a store accepts. */
export const STORE_OPTIONS: OptionSpec = {
  store: { type: 'string', short: 's' },
  to: { type: 'string' },
  from: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  verbose: { type: 'boolean', short: 'v' },
};
