import type { OptionDef, ParsedValues } from './command.js';
import type { CliConfig } from './config-file.js';

/** The store's synonyms take their fallbacks in `storeTarget`, which must see which one was given. */
const STORE_SYNONYMS = new Set(['store', 'to', 'from']);

/**
 * Options left off the command line take their value from their environment variable, else from
 * the config file's `defaults`: a flag beats the environment, which beats the file.
 */
export function fillFromEnvAndConfig(
  values: ParsedValues,
  defs: Record<string, OptionDef>,
  env: NodeJS.ProcessEnv,
  defaults: CliConfig['defaults'],
): void {
  for (const [name, def] of Object.entries(defs)) {
    if (values[name] !== undefined || STORE_SYNONYMS.has(name) || def.type !== 'string') continue;
    const fromEnv = def.env ? env[def.env] : undefined;
    const fromConfig = def.configDefault ? (defaults as Record<string, unknown>)[def.configDefault] : undefined;
    const value = fromEnv ?? (fromConfig === undefined ? undefined : String(fromConfig));
    if (value !== undefined) values[name] = value;
  }
}
