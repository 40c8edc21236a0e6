import { Argument, CommanderError, Command as Commander, Option } from 'commander';
import { GLOBAL_OPTIONS, type Command, type OptionDef, type ParsedValues } from './command.js';
import { UsageError } from './io.js';

/** What a command line asks for: a command to run, or help or the version, already printed. */
export type ParsedCommandLine = { kind: 'run'; command: Command; positionals: string[]; values: ParsedValues } | { kind: 'printed' };

/** Texts the help needs that only the running CLI knows. */
export interface HelpContext {
  version: string;
  /** Lines after the root help's command list (targets, exit statuses). */
  rootEpilogue: string;
  /** Where help goes. */
  write(text: string): void;
  /** Width to wrap help to. */
  columns: number;
}

/**
 * Reads `argv` against the commands with commander: `--help` on every command, unknown options,
 * missing and extra arguments named exactly (as a {@link UsageError} that names the command).
 */
export function parseCommandLine(commands: readonly Command[], argv: string[], help: HelpContext): ParsedCommandLine {
  let parsed: ParsedCommandLine = { kind: 'printed' };
  const program = new Commander('volback')
    .description('back up volumes and disk images in OpenStack Cinder’s chunked format, and restore them bit-exact')
    .version(help.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print this help')
    .helpCommand('help [command]', 'print the help of a command')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .addHelpText('after', `\n${help.rootEpilogue}`);
  for (const [name, def] of Object.entries(GLOBAL_OPTIONS)) program.addOption(optionOf(name, def));
  for (const command of commands) {
    const sub = program
      .command(command.name)
      .summary(command.summary)
      .description(command.details ? `${command.summary}\n\n${command.details}` : command.summary)
      .helpOption('-h, --help', 'print this help')
      .allowExcessArguments(false);
    for (const a of command.arguments) sub.addArgument(new Argument(a.optional ? `[${a.name}]` : `<${a.name}>`, a.description));
    for (const [name, def] of Object.entries(command.options)) sub.addOption(optionOf(name, def));
    if (command.examples.length > 0) sub.addHelpText('after', `\n${examplesText(command.examples)}`);
    sub.action((...args: unknown[]) => {
      const cmd = args.at(-1) as Commander;
      parsed = {
        kind: 'run',
        command,
        positionals: cmd.args,
        values: valuesOf(cmd, { ...GLOBAL_OPTIONS, ...command.options }),
      };
    });
  }
  for (const c of [program, ...program.commands]) {
    c.exitOverride().configureOutput({
      writeOut: help.write,
      writeErr: help.write,
      outputError: () => undefined,
      getOutHelpWidth: () => help.columns,
      getErrHelpWidth: () => help.columns,
    });
  }
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (err.exitCode === 0) return { kind: 'printed' };
    const commandName = program.commands.find((c) => c.name() === argv.find((a) => !a.startsWith('-')))?.name();
    throw new CommandLineError(err.message.replace(/^error: /, ''), commandName);
  }
  return parsed;
}

/** A command line commander refused, with the command it was for (if it got that far). */
export class CommandLineError extends UsageError {
  constructor(
    message: string,
    readonly commandName?: string,
  ) {
    super(message);
  }
}

function optionOf(name: string, def: OptionDef): Option {
  const flags = `${def.short ? `-${def.short}, ` : ''}--${name}${def.type === 'string' ? ` ${def.value ?? '<value>'}` : ''}`;
  const from = [def.env ? `env ${def.env}` : '', def.configDefault ? `config defaults.${def.configDefault}` : '']
    .filter(Boolean)
    .join(', ');
  const option = new Option(flags, from ? `${def.description} (${from})` : def.description);
  return def.hidden ? option.hideHelp() : option;
}

/** The values by long option name, as the commands read them; unset ones are absent. */
function valuesOf(cmd: Commander, defs: Record<string, OptionDef>): ParsedValues {
  const given = cmd.optsWithGlobals() as Record<string, string | boolean | undefined>;
  const values: ParsedValues = {};
  for (const name of Object.keys(defs)) {
    const value = given[new Option(`--${name}`).attributeName()];
    if (value !== undefined) values[name] = value;
  }
  return values;
}

function examplesText(examples: Command['examples']): string {
  const width = Math.min(64, Math.max(...examples.map(([line]) => line.length)));
  return `Examples:\n${examples.map(([line, what]) => `  $ ${line.padEnd(width)}  # ${what}`).join('\n')}\n`;
}
