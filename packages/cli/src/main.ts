import { backupCommand } from './commands/backup.js';
import { conformanceCommand } from './commands/conformance.js';
import { deleteCommand } from './commands/delete.js';
import { driversCommand } from './commands/drivers.js';
import { exportCommand } from './commands/export.js';
import { importCommand } from './commands/import.js';
import { listCommand } from './commands/list.js';
import { pruneCommand } from './commands/prune.js';
import { restoreCommand } from './commands/restore.js';
import { showCommand } from './commands/show.js';
import { completionCommand } from './commands/completion.js';
import { targetsCommand } from './commands/targets.js';
import { verifyCommand } from './commands/verify.js';
import { CLI_PACKAGE_JSON } from './cli-package.js';
import { MissingStoreError, stringOpt } from './args.js';
import { GLOBAL_OPTIONS, type Command } from './command.js';
import { CONFIG_FILE_NAME, loadConfig } from './config-file.js';
import { EXIT_CODES } from './exit-codes.js';
import { printable } from './format.js';
import { processSignals, runInterruptible, type InterruptSource } from './interrupt.js';
import { UsageError, type CliIo } from './io.js';
import { fillFromEnvAndConfig } from './option-fallbacks.js';
import { outputMode, setOutputMode } from './output-mode.js';
import { discoverAll } from './plugin-dirs.js';
import { CommandLineError, parseCommandLine, type ParsedCommandLine } from './program.js';
import { scrubbingIo } from './secrets.js';

export type { CliIo } from './io.js';
export type { ArgumentDef, Command, OptionDef, ParsedValues, StoreOptionName } from './command.js';
export type { InterruptSource } from './interrupt.js';

const COMMANDS: Command[] = [
  backupCommand,
  restoreCommand,
  verifyCommand,
  listCommand,
  showCommand,
  deleteCommand,
  pruneCommand,
  exportCommand,
  importCommand,
  targetsCommand,
  driversCommand,
  conformanceCommand,
  completionCommand(() => COMMANDS),
];

/** Adds a command (e.g. `conformance`, which lives in its own module). */
export function addCommand(command: Command): void {
  if (!COMMANDS.some((c) => c.name === command.name)) COMMANDS.push(command);
}

/** Everything after the root help's command list: targets, config, environment, exit statuses. */
async function rootEpilogue(io: CliIo): Promise<string> {
  const found = (await discoverAll(io).catch(() => [])).filter((d) => d.status === 'ok' && !d.shadowed);
  const schemes = found.map((d) => `${d.schemes.map((s) => `${s}:`).join(' ')} (${d.id})`).join(', ');
  return (
    'A target is a directory, a URL of an installed driver, or a name from the config file:\n' +
    `  installed: ${schemes || 'none'}; \`volback drivers\` lists them, docs/drivers/ has each one's URL form\n` +
    `  config file: --config, VOLBACK_CONFIG, ./${CONFIG_FILE_NAME} or ~/.config/volback/config.json, e.g.\n` +
    '    { "targets": { "prod": { "url": "s3://bucket/backups" } }, "defaults": { "target": "prod" } }\n' +
    'Environment: VOLBACK_STORE (the target), VOLBACK_CONFIG, VOLBACK_COMPRESSION, VOLBACK_LEVEL, VOLBACK_OBJECT_SIZE,\n' +
    '  VOLBACK_STATE_DIR, VOLBACK_PLUGINS_DIR; credentials as each driver documents (never on the command line).\n' +
    'Run `volback <command> --help` for its options and examples. Errors print their code (E_…) and exit with its status:\n' +
    `  ${exitStatuses()}\n`
  );
}

/** `0 ok, 1 E_UNEXPECTED, 2 E_USAGE/E_CONFIG, …`, from the table itself, so it never drifts. */
function exitStatuses(): string {
  const byStatus = new Map<number, string[]>();
  for (const [code, status] of Object.entries(EXIT_CODES)) byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  return ['0 ok', ...[...byStatus].sort((a, b) => a[0] - b[0]).map(([status, codes]) => `${status} ${codes.join('/')}`)].join(', ');
}

/** Options of {@link main}. */
export interface MainOptions {
  /** What stops the command; by default the process's SIGINT and SIGTERM while it runs. */
  interrupts?: InterruptSource;
}

/**
 * Runs the CLI with `argv` (without node and script); returns the exit status. Every command runs
 * under the interrupt handling: the first interrupt ends it with E_CANCELLED (status 130).
 */
export async function main(argv: string[], given: CliIo, options: MainOptions = {}): Promise<number> {
  const io = scrubbingIo(given, argv);
  const json = argv.includes('--json');
  const wantsHelp = argv.length === 0 || argv[0] === 'help' || argv.includes('--help') || argv.includes('-h');
  const parse = async (args: string[], write: (text: string) => unknown): Promise<ParsedCommandLine> =>
    parseCommandLine(COMMANDS, args, {
      version: await cliVersion(),
      rootEpilogue: wantsHelp ? await rootEpilogue(io) : '',
      write,
      // Not a terminal: wide enough that a line of help stays one line in a file or a pager.
      columns: io.stdout.columns ?? 100,
    });
  if (argv.length === 0) {
    io.stderr.write('volback: E_USAGE: no command given\n\n');
    await parse(['--help'], (text) => io.stderr.write(text));
    return EXIT_CODES.E_USAGE;
  }
  let line: ParsedCommandLine;
  try {
    line = await parse(argv, (text) => io.stdout.write(text));
  } catch (err) {
    const command = err instanceof CommandLineError ? COMMANDS.find((c) => c.name === err.commandName) : undefined;
    return report(err, command, io, json);
  }
  if (line.kind === 'printed') return 0;
  const { command, positionals, values } = line;
  try {
    const config = await loadConfig(io, stringOpt(values, 'config'));
    fillFromEnvAndConfig(values, { ...GLOBAL_OPTIONS, ...command.options }, io.env, config.defaults);
    setOutputMode(io, { json: values.json === true, quiet: values.quiet === true, verbose: values.verbose === true });
    return await runInterruptible(options.interrupts ?? processSignals(io), () => command.run(positionals, values, io));
  } catch (err) {
    return report(err, command, io, values.json === true);
  }
}

/**
 * Prints an error with its code (`E_USAGE` for a wrong command line) and returns its exit
 * status: one line, or with `--json` one JSON line `{"event":"error","code",…}`. The message is
 * made printable whatever built it: a hostile store's text must not reach a terminal whole,
 * escape sequences and all. Like all output it goes through `scrubbingIo`, the last line of
 * defence: every secret this run knows of is scrubbed out of it.
 */
function report(err: unknown, command: Command | undefined, io: CliIo, json: boolean): number {
  const who = command ? `volback ${command.name}` : 'volback';
  const { code, message, status } = describeError(err, command);
  if (json) {
    const error = {
      event: 'error',
      code,
      message: printable(message, true),
      exitStatus: status,
      ...(command ? { command: command.name } : {}),
    };
    io.stderr.write(`${JSON.stringify(error)}\n`);
    return status;
  }
  io.stderr.write(`${who}: ${printable(`${code}: ${message}`, code === 'E_USAGE' || code === 'E_UNEXPECTED')}\n`);
  if (code === 'E_USAGE') {
    io.stderr.write(
      command
        ? `usage: volback ${command.name} ${synopsis(command)}\n`
        : 'usage: volback <command> [options]  (volback --help lists the commands)\n',
    );
  } else if (outputMode(io).verbose) {
    for (let cause = (err as Error)?.cause; cause; cause = (cause as Error)?.cause) {
      io.stderr.write(`  caused by: ${printable(String((cause as Error)?.message ?? cause))}\n`);
    }
  }
  return status;
}

function describeError(err: unknown, command: Command | undefined): { code: string; message: string; status: number } {
  if (err instanceof MissingStoreError) {
    const flag = `--${command?.store ?? 'store'}`;
    return {
      code: 'E_USAGE',
      message: `no store given: pass ${flag} <target> (a directory, a URL or a target of the config file), or set VOLBACK_STORE or defaults.target`,
      status: EXIT_CODES.E_USAGE,
    };
  }
  const message = String((err as Error)?.message ?? err);
  if (err instanceof UsageError) return { code: 'E_USAGE', message, status: EXIT_CODES.E_USAGE };
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code in EXIT_CODES) return { code, message, status: EXIT_CODES[code as keyof typeof EXIT_CODES] };
  return { code: 'E_UNEXPECTED', message: `unexpected error: ${(err as Error)?.stack ?? String(err)}`, status: EXIT_CODES.E_UNEXPECTED };
}

/** `[options] <image>`: what follows the command's name on its usage line. */
function synopsis(command: Command): string {
  return ['[options]', ...command.arguments.map((a) => (a.optional ? `[${a.name}]` : `<${a.name}>`))].join(' ');
}

async function cliVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL(CLI_PACKAGE_JSON), 'utf8')) as { version: string };
  return pkg.version;
}
