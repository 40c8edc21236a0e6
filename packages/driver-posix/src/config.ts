import { fileURLToPath } from 'node:url';
import { ConfigError, redactTarget, type ConfigPropertySchema as CoreConfigPropertySchema, type DriverConfigSchema } from '@volback/core';

/** Settings of a {@link PosixObjectStore}. */
export interface PosixStoreConfig {
  /** Backup root (Cinder's `backup_posix_path`); containers are directories below it. */
  root: string;
  /** Mode of every object file. Default `0o660`, as Cinder. */
  fileMode?: number;
  /** Mode of a container directory the store creates (the leaf only). Default `0o770`, as Cinder. */
  dirMode?: number;
  /** fsync each object and its directory before a put returns. Default `true`. */
  fsync?: boolean;
  /** Transfers the engine may run at once. Default 4. */
  maxConcurrency?: number;
}

/** A property of {@link posixConfigSchema}. */
export type ConfigPropertySchema = CoreConfigPropertySchema;

/** A JSON-schema-like description of {@link PosixStoreConfig}, as plain data for docs and the CLI. */
export type ConfigSchema = DriverConfigSchema<PosixStoreConfig>;

/** The posix driver's settings, described for docs and the CLI. Modes may also be given as octal strings (`"0660"`). */
export const posixConfigSchema: ConfigSchema = {
  type: 'object',
  description: "Cinder posix/NFS backup layout on a local or mounted directory",
  additionalProperties: false,
  required: ['root'],
  properties: {
    root: { type: 'string', description: "Backup root directory (Cinder's backup_posix_path)", required: true },
    fileMode: { type: 'integer', description: 'Mode of object files', required: false, default: 0o660, minimum: 0, maximum: 0o777 },
    dirMode: { type: 'integer', description: 'Mode of container directories the store creates', required: false, default: 0o770, minimum: 0, maximum: 0o777 },
    fsync: { type: 'boolean', description: 'fsync every object and its directory before a write returns', required: false, default: true },
    maxConcurrency: { type: 'integer', description: 'Transfers run at once', required: false, default: 4, minimum: 1, maximum: 64 },
  },
};

const KNOWN_FIELDS = new Set(Object.keys(posixConfigSchema.properties));

/**
 * Validates untyped input (a parsed JSON file, CLI flags) into a {@link PosixStoreConfig}.
 * Throws a ConfigError naming the field at fault; unknown fields are refused so typos show.
 */
export function parsePosixConfig(input: unknown): PosixStoreConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError('posix: config must be an object');
  }
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!KNOWN_FIELDS.has(key)) throw new ConfigError(`posix: unknown config field ${JSON.stringify(key)}`, key);
  }
  const root = raw['root'];
  if (typeof root !== 'string' || root === '') throw new ConfigError('posix: root must be a non-empty string', 'root');
  if (root.includes('\0')) throw new ConfigError('posix: root contains a NUL byte', 'root');

  const config: PosixStoreConfig = { root };
  const fileMode = parseMode(raw['fileMode'], 'fileMode');
  if (fileMode !== undefined) config.fileMode = fileMode;
  const dirMode = parseMode(raw['dirMode'], 'dirMode');
  if (dirMode !== undefined) config.dirMode = dirMode;
  if (raw['fsync'] !== undefined) {
    if (typeof raw['fsync'] !== 'boolean') throw new ConfigError('posix: fsync must be a boolean', 'fsync');
    config.fsync = raw['fsync'];
  }
  const maxConcurrency = raw['maxConcurrency'];
  if (maxConcurrency !== undefined) {
    if (typeof maxConcurrency !== 'number' || !Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 64) {
      throw new ConfigError('posix: maxConcurrency must be an integer from 1 to 64', 'maxConcurrency');
    }
    config.maxConcurrency = maxConcurrency;
  }
  return config;
}

/** A mode as an integer, or as an octal string, since JSON has no octal literals. */
function parseMode(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  let mode: number | undefined;
  if (typeof value === 'number' && Number.isInteger(value)) mode = value;
  else if (typeof value === 'string' && /^(0o?)?[0-7]{1,4}$/.test(value)) mode = parseInt(value.replace(/^0o?/, '') || '0', 8);
  if (mode === undefined || mode < 0 || mode > 0o777) {
    throw new ConfigError(`posix: ${field} must be a permission mode from 0 to 0o777 (an integer or an octal string)`, field);
  }
  return mode;
}

/**
 * Config from a target such as `file:///srv/backups` or a plain path (`/srv/backups`,
 * `./backups`). Query parameters set the other fields: `?fsync=false&maxConcurrency=8&fileMode=0640`.
 */
export function posixConfigFromUrl(url: string | URL): PosixStoreConfig {
  if (typeof url === 'string' && !/^[a-z][a-z0-9+.-]*:/i.test(url)) return parsePosixConfig({ root: url });
  // Targets are quoted redacted, and a URL parser's error is not kept as a cause: it carries the input.
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    throw new ConfigError(`posix: not a valid URL: ${redactTarget(String(url), posixConfigSchema)}`, 'root');
  }
  if (parsed.protocol !== 'file:') throw new ConfigError(`posix: expected a file: URL, got ${parsed.protocol}`, 'root');
  let root: string;
  try {
    root = fileURLToPath(parsed);
  } catch (err) {
    throw new ConfigError(
      `posix: cannot use ${redactTarget(parsed.href, posixConfigSchema)} as a local path: ${err instanceof Error ? err.message : String(err)}`,
      'root',
    );
  }
  const input: Record<string, unknown> = { root };
  for (const [key, value] of parsed.searchParams) {
    if (key === 'fsync') input[key] = value === 'true' ? true : value === 'false' ? false : value;
    else if (key === 'maxConcurrency') input[key] = /^\d+$/.test(value) ? Number(value) : value;
    else input[key] = value;
  }
  return parsePosixConfig(input);
}
