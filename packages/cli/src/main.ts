import { parseArgs } from 'node:util';
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
import { verifyCommand } from './commands/verify.js';
import { CLI_PACKAGE_JSON } from './cli-package.js';
import type { Command } from './command.js';
import { EXIT_CODES } from './exit-codes.js';
import { printable } from './format.js';
import { processSignals, runInterruptible, type InterruptSource } from './interrupt.js';
import { UsageError, type CliIo } from './io.js';
import { scrubbingIo } from './secrets.js';

export type { CliIo } from './io.js';
export type { Command, ParsedValues } from './command.js';
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
  driversCommand,
  conformanceCommand,
];

/** Adds a command (e.g. `conformance`, which lives in its own module). */
export function addCommand(command: Command): void {
  if (!COMMANDS.some((c) => c.name === command.name)) COMMANDS.push(command);
}

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return (
    'usage: volback <command> [options]\n\n' +
    COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n') +
    '\n\nA store is a directory or a URL: /srv/backups, file:///srv/backups, s3://bucket/prefix?endpoint=…\n' +
    'Run `volback <command> --help` for its options. Errors print their code (E_…) and exit with its status:\n' +
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
  const [name, ...rest] = argv;
  const io = scrubbingIo(given, rest);
  if (!name) {
    io.stderr.write(`volback: E_USAGE: no command given\n\n${help()}`);
    return EXIT_CODES.E_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help());
    return 0;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`${await cliVersion()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`volback: E_USAGE: unknown command ${printable(JSON.stringify(name))}\n\n${help()}`);
    return EXIT_CODES.E_USAGE;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      io.stdout.write(`usage: volback ${command.name} ${command.usage}\n\n${command.summary}\n`);
      return 0;
    }
    return await runInterruptible(options.interrupts ?? processSignals(io), () => command.run(positionals, values, io));
  } catch (err) {
    return report(err, command, io);
  }
}

/**
 * Prints an error with its code (`E_USAGE` for a wrong command line) and returns its exit
 * status. The message is made printable whatever built it: a hostile store's text must not
 * reach a terminal whole, escape sequences and all. Like all output it goes through
 * `scrubbingIo`, the last line of defence: every secret this run knows of is scrubbed out of it.
 */
function report(err: unknown, command: Command, io: CliIo): number {
  const say = (text: string, multiline = false): void => {
    io.stderr.write(`volback ${command.name}: ${printable(text, multiline)}\n`);
  };
  const message = String((err as Error)?.message ?? err);
  if (err instanceof UsageError || (err as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS')) {
    // The parser's own explanations run over several lines.
    say(`E_USAGE: ${message}`, true);
    io.stderr.write(`usage: volback ${command.name} ${command.usage}\n`);
    return EXIT_CODES.E_USAGE;
  }
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code in EXIT_CODES) {
    say(`${code}: ${message}`);
    return EXIT_CODES[code as keyof typeof EXIT_CODES];
  }
  say(`E_UNEXPECTED: unexpected error: ${(err as Error)?.stack ?? String(err)}`, true);
  return EXIT_CODES.E_UNEXPECTED;
}

async function cliVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL(CLI_PACKAGE_JSON), 'utf8')) as { version: string };
  return pkg.version;
}
