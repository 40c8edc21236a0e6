import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, isSecretField } from '@volback/core';
import type { z } from 'zod';
import type { ConfigFileSchema, TargetSchema } from './config-schema.js';
import { TARGET_NAME } from './target-name.js';
import type { CliIo } from './io.js';

/** The name the current directory's config file has. */
export const CONFIG_FILE_NAME = 'volback.config.json';

/** A target the config file names. */
export type NamedTarget = z.infer<TargetSchema>;

/** The config file as read, and where from; empty when there is none. */
export interface CliConfig {
  /** The file it came from; undefined when none was found. */
  path: string | undefined;
  targets: Record<string, NamedTarget>;
  defaults: NonNullable<z.infer<ConfigFileSchema>['defaults']>;
}

const loaded = new WeakMap<CliIo, CliConfig>();

/** The config of this run: read by {@link loadConfig} before the command runs, else none. */
export function configOf(io: CliIo): CliConfig {
  return loaded.get(io) ?? { path: undefined, targets: {}, defaults: {} };
}

/**
 * Reads the config file: `--config` or `VOLBACK_CONFIG` (which must exist), else
 * `./volback.config.json`, else `$XDG_CONFIG_HOME/volback/config.json` (`~/.config/…`), else none.
 * @throws ConfigError naming the file and the field at fault; also for a secret in it, which
 * belongs in the environment or a credentials file, where it is not copied around with the config.
 */
export async function loadConfig(io: CliIo, given: string | undefined): Promise<CliConfig> {
  const path = given ?? io.env.VOLBACK_CONFIG ?? defaultConfigPath(io);
  if (path === undefined) return remember(io, { path: undefined, targets: {}, defaults: {} });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `cannot read the config file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'config',
      {
        cause: err,
      },
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON: ${(err as Error).message}`, 'config', { cause: err });
  }
  // Loaded only when there is a file to check: most runs have none, and start faster without it.
  const { configFileSchema } = await import('./config-schema.js');
  const parsed = configFileSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const field = issue.path.map(String).join('.') || '(top level)';
    throw new ConfigError(`${path}: ${field}: ${issueText(issue)}`, field);
  }
  const targets = parsed.data.targets ?? {};
  for (const [name, target] of Object.entries(targets)) {
    for (const key of Object.keys(target.options ?? {})) {
      if (isSecretField(key)) throw secretInConfig(path, `targets.${name}.options.${key}`);
    }
  }
  return remember(io, { path: resolve(path), targets, defaults: parsed.data.defaults ?? {} });
}

/** The error for a secret found in the config file (by name here, or by the driver's schema later). */
export function secretInConfig(path: string, field: string): ConfigError {
  return new ConfigError(
    `${path}: ${field} is a secret: the config file may not hold secrets; ` +
      "give it in the environment or a credentials file (the driver's page says which)",
    field,
  );
}

function issueText(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  // A bad target name: zod reports the key's own problem one level down.
  if (issue.code === 'invalid_key' && issue.issues[0]) return issue.issues[0].message;
  return issue.message;
}

function defaultConfigPath(io: CliIo): string | undefined {
  const here = join(process.cwd(), CONFIG_FILE_NAME);
  if (existsSync(here)) return here;
  const base = io.env.XDG_CONFIG_HOME || join(io.env.HOME || homedir(), '.config');
  const user = join(base, 'volback', 'config.json');
  return existsSync(user) ? user : undefined;
}

function remember(io: CliIo, config: CliConfig): CliConfig {
  loaded.set(io, config);
  return config;
}

/** Whether `text` could name a target of the config file. */
export function looksLikeTargetName(text: string): boolean {
  return TARGET_NAME.test(text);
}
