import { existsSync } from 'node:fs';
import { ConfigError, isSecretField, secretsOf, type JsonSchema } from '@volback/core';
import { configOf, looksLikeTargetName, secretInConfig } from './config-file.js';
import type { CliIo } from './io.js';

/** What a store given on the command line stands for. */
export interface ResolvedStore {
  /** The directory or URL. */
  url: string;
  /** Driver config from the config file, over what the URL gives. */
  config?: Record<string, unknown>;
  /** The target's name, when the config file named it. */
  name?: string;
}

/**
 * A target's name from the config file becomes its URL and options; anything else is a path or
 * a URL as given. A bare word that names no target, while a config file exists and no such
 * directory does, is refused: a mistyped name must not become a new local store.
 */
export function resolveStore(text: string, io: CliIo): ResolvedStore {
  const config = configOf(io);
  const named = Object.hasOwn(config.targets, text) ? config.targets[text] : undefined;
  if (named) return { url: named.url, name: text, ...(named.options ? { config: named.options } : {}) };
  if (config.path && looksLikeTargetName(text) && !existsSync(text)) {
    const names = Object.keys(config.targets);
    throw new ConfigError(
      `no target named "${text}" in ${config.path} (${names.length ? `its targets: ${names.join(', ')}` : 'it names no targets'}); ` +
        `for a directory of that name write ./${text}`,
      'targets',
    );
  }
  return { url: text };
}

/**
 * A named target's URL and options may hold no secret by the driver's own schema either (a
 * field it marks secret, a password in the URL).
 * @throws ConfigError naming the field.
 */
export function checkNoSecretsInConfig(store: ResolvedStore, schema: JsonSchema, io: CliIo): void {
  if (store.name === undefined) return;
  const path = configOf(io).path ?? 'the config file';
  if (secretsOf(store.url, schema).length > 0) throw secretInConfig(path, `targets.${store.name}.url`);
  for (const key of Object.keys(store.config ?? {})) {
    if (isSecretField(key, schema)) throw secretInConfig(path, `targets.${store.name}.options.${key}`);
  }
}
