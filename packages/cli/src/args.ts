import { checkIdentifier, previewOf, type IdentifierKind } from '@volback/core';
import type { ParsedValues } from './command.js';
import { configOf } from './config-file.js';
import { formatBytes } from './format.js';
import type { CliIo } from './io.js';
import { UsageError } from './io.js';

/**
 * The store named on the command line, by `--store`, `--to` or `--from` (synonyms), else
 * `VOLBACK_STORE`, else the config file's `defaults.target`: a path, a URL or a target's name,
 * which {@link openTarget} resolves.
 * @throws MissingStoreError when none gives one; the command's help names its own option.
 */
export function storeTarget(values: ParsedValues, io: CliIo): string {
  const given = [values.store, values.to, values.from].filter((v): v is string => typeof v === 'string');
  if (given.length > 1 && new Set(given).size > 1)
    throw new UsageError('give the store once (--store, --to and --from are the same option)');
  const target = given[0] ?? io.env.VOLBACK_STORE ?? configOf(io).defaults.target;
  if (!target) throw new MissingStoreError();
  return target;
}

/** No store was given; `main` says which option the command takes. */
export class MissingStoreError extends UsageError {
  constructor() {
    super('no store given');
  }
}

/** A string option, or undefined. */
export function stringOpt(values: ParsedValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Bounds of a {@link sizeOpt}. */
export interface SizeBounds {
  /** Smallest value, at least 1. */
  min: number;
  max: number;
  /** The value must be a whole multiple of this. */
  multipleOf: number;
}

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/**
 * A whole-number option with an optional K/M/G/T suffix (powers of 1024), within bounds: a
 * value that overflows, is 0, too big or not a multiple is a usage error before anything is
 * allocated for it.
 */
export function sizeOpt(values: ParsedValues, name: string, bounds: SizeBounds): number | undefined {
  const v = stringOpt(values, name);
  if (v === undefined) return undefined;
  const m = /^(\d{1,20})([KMGT]?)(?:i?B)?$/i.exec(v.trim());
  if (!m) throw new UsageError(`--${name} must be a number of bytes, optionally with K, M or G: got ${previewOf(v)}`);
  const n = Number(m[1]) * (SIZE_UNITS[(m[2] ?? '').toUpperCase()] ?? 1);
  const range = `from ${formatBytes(bounds.min)} to ${formatBytes(bounds.max)}`;
  if (!Number.isSafeInteger(n) || n < bounds.min || n > bounds.max) throw new UsageError(`--${name} must be ${range}: got ${previewOf(v)}`);
  if (n % bounds.multipleOf !== 0) {
    throw new UsageError(
      `--${name} must be a multiple of ${formatBytes(bounds.multipleOf)} (${bounds.multipleOf} bytes): got ${previewOf(v)}`,
    );
  }
  return n;
}

/** An integer option within bounds: digits with an optional sign, nothing else (not "", not "1e3"). */
export function intOpt(values: ParsedValues, name: string, min: number, max: number): number | undefined {
  const v = stringOpt(values, name);
  if (v === undefined) return undefined;
  const n = /^[+-]?\d{1,16}$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}: got ${previewOf(v)}`);
  return n;
}

/**
 * An id option (`--volume-id`, `--parent`, `--id`), checked against core's id rules (length,
 * no control characters or escape sequences, one path segment).
 * @throws ConfigError naming the option.
 */
export function idOpt(values: ParsedValues, name: string, kind: IdentifierKind): string | undefined {
  const v = stringOpt(values, name);
  return v === undefined ? undefined : checkIdentifier(kind, v, `--${name}`);
}

/** A positional id (`<backup-id>`), checked like {@link idOpt}. */
export function backupIdArg(id: string): string {
  return checkIdentifier('backup id', id, '<backup-id>');
}

/** Exactly `n` positional arguments, named for the error message. */
export function positionals(args: string[], names: string[]): string[] {
  if (args.length !== names.length) {
    throw new UsageError(`expected ${names.map((n) => `<${n}>`).join(' ')}, got ${args.length} argument(s)`);
  }
  return args;
}
