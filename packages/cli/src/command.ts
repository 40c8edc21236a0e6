import type { CliIo } from './io.js';

/** One option of a command, as `--help` explains it and the parser reads it. */
export interface OptionDef {
  /** `string` takes a value (`--to <target>`); `boolean` is a switch. */
  type: 'string' | 'boolean';
  /** One-letter alias (`-s`). */
  short?: string;
  /** The value's name in `--help` (`<target>`); `<value>` when left out. */
  value?: string;
  /** One line for `--help`. */
  description: string;
  /** Environment variable read when the option is not on the command line. */
  env?: string;
  /** Key under `defaults` in the config file that gives the value when neither flag nor env does. */
  configDefault?: string;
  /** The values it takes, for shell completion (`--help` says them in the description). */
  choices?: readonly string[];
  /** Accepted but left out of `--help`: a synonym of another option. */
  hidden?: boolean;
}

/** A positional argument of a command. */
export interface ArgumentDef {
  /** Its name in the synopsis (`image`). */
  name: string;
  /** One line for `--help`. */
  description: string;
  /** May be left out. */
  optional?: boolean;
}

/** The option values read from a command line, by long option name (`volume-id`). */
export type ParsedValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** One `volback` sub-command. */
export interface Command {
  /** The word after `volback` that runs it (`backup`). */
  name: string;
  /** One line for `volback --help`. */
  summary: string;
  /** More lines for `volback <name> --help`, after the summary. */
  details?: string;
  /** Positional arguments, in order. */
  arguments: ArgumentDef[];
  /** Options, by long name. */
  options: Record<string, OptionDef>;
  /** Which word names the store in help and messages: `--to` for backup, `--from` for restore, else `--store`. */
  store?: StoreOptionName;
  /** Command lines shown under "Examples" in its help, each with a comment. */
  examples: [commandLine: string, what: string][];
  /** Runs it on the parsed command line; resolves to the exit status, or throws a typed error that becomes one. */
  run(positionals: string[], values: ParsedValues, io: CliIo): Promise<number>;
}

/** The three synonyms that name a store. */
export type StoreOptionName = 'to' | 'from' | 'store';

/** The options every command that touches a store takes: one is shown, its synonyms are accepted. */
export function storeOptions(shown: StoreOptionName): Record<string, OptionDef> {
  const all: Record<string, OptionDef> = {};
  for (const name of ['store', 'to', 'from'] as const) {
    all[name] = {
      type: 'string',
      value: '<target>',
      description:
        'the store: a directory, a URL of an installed driver (s3://…; `volback drivers` lists them) or a target named in the config file',
      env: 'VOLBACK_STORE',
      configDefault: 'target',
      ...(name === 'store' ? { short: 's' } : {}),
      ...(name === shown ? {} : { hidden: true }),
    };
  }
  return all;
}

/** Options every command takes. */
export const GLOBAL_OPTIONS: Record<string, OptionDef> = {
  json: {
    type: 'boolean',
    description: 'print the result as one JSON document on stdout, progress and errors as JSON lines on stderr',
  },
  quiet: {
    type: 'boolean',
    short: 'q',
    description: 'no progress, and of the result only what a script needs: a new backup id, the ids of list, the names of targets',
  },
  verbose: { type: 'boolean', short: 'v', description: 'say more: where the target came from, the causes of an error' },
  config: {
    type: 'string',
    value: '<file>',
    description: 'the config file (default: ./volback.config.json, else ~/.config/volback/config.json)',
    env: 'VOLBACK_CONFIG',
  },
};
