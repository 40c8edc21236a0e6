import { ConfigError } from '../errors.js';

/**
 * The config field a ConfigError from `fn` names (undefined when it names none); throws when
 * `fn` passes or fails with anything else, so a test cannot mistake another failure for it.
 */
export function configFieldAtFault(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.field;
    throw new Error(`expected a ConfigError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a ConfigError, but the config was accepted');
}

/** The defaults a driver's JSON Schema declares, by field: what `volback drivers --schema` shows. */
export function schemaDefaults(schema: unknown): Record<string, unknown> {
  const properties = (schema as { properties?: Record<string, { default?: unknown }> }).properties ?? {};
  return Object.fromEntries(Object.entries(properties).flatMap(([name, p]) => ('default' in p ? [[name, p.default]] : [])));
}
