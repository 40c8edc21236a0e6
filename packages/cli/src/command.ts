import type { ParseArgsConfig } from 'node:util';
import type { CliIo } from './io.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type ParsedValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** One `volback` sub-command. */
export interface Command {
  name: string;
  /** One line for `volback --help`. */
  summary: string;
  /** Argument synopsis after the command name. */
  usage: string;
  options: OptionSpec;
  run(positionals: string[], values: ParsedValues, io: CliIo): Promise<number>;
}

/** Options every command that touches a store accepts. */
export const STORE_OPTIONS: OptionSpec = {
  store: { type: 'string', short: 's' },
  to: { type: 'string' },
  from: { type: 'string' },
  json: { type: 'boolean' },
};
