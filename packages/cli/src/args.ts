import type { ParsedValues } from './command.js';
import type { CliIo } from './io.js';
import { UsageError } from './io.js';

/** The store target from `--store`, `--to` or `--from` (synonyms), else `VOLBACK_STORE`. */
export function storeTarget(values: ParsedValues, io: CliIo): string {
  const given = [values.store, values.to, values.from].filter((v): v is string => typeof v === 'string');
  if (given.length > 1 && new Set(given).size > 1) throw new UsageError('give the store once (--store, --to and --from are the same option)');
  const target = given[0] ?? io.env.VOLBACK_STORE;
  if (!target) throw new UsageError('no store given: pass --store <dir|file://…|s3://…> (or set VOLBACK_STORE)');
  return target;
}

/** A string option, or undefined. */
export function stringOpt(values: ParsedValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A whole-number option with an optional K/M/G suffix (powers of 1024). */
export function sizeOpt(values: ParsedValues, name: string): number | undefined {
  const v = stringOpt(values, name);
  if (v === undefined) return undefined;
  const m = /^(\d+)([KMG]i?B?)?$/i.exec(v.trim());
  if (!m) throw new UsageError(`--${name} must be a number of bytes, optionally with K, M or G: got "${v}"`);
  const unit = (m[2] ?? '').charAt(0).toUpperCase();
  const mult = unit === 'K' ? 1024 : unit === 'M' ? 1024 ** 2 : unit === 'G' ? 1024 ** 3 : 1;
  return Number(m[1]) * mult;
}

/** An integer option within bounds. */
export function intOpt(values: ParsedValues, name: string, min: number, max: number): number | undefined {
  const v = stringOpt(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}: got "${v}"`);
  return n;
}

/** Exactly `n` positional arguments, named for the error message. */
export function positionals(args: string[], names: string[]): string[] {
  if (args.length !== names.length) {
    throw new UsageError(`expected ${names.map((n) => `<${n}>`).join(' ')}, got ${args.length} argument(s)`);
  }
  return args;
}
