import type { BackupDriver } from '../backup-driver.js';
import { PluginError } from '../errors.js';
import type { ObjectStore } from '../object-store.js';

/**
 * The brand on every driver plugin object. `Symbol.for` gives the same symbol in every copy
 * of core loaded in one process, so a plugin built against another copy is still recognised.
 */
export const DRIVER_BRAND: unique symbol = Symbol.for('volback.driver');

/** A JSON Schema (draft 2020-12) describing a driver's config object, for docs and UIs. */
export type JsonSchema = { readonly [key: string]: unknown };

/** What every driver plugin provides, whichever level of the contract it implements. */
export interface DriverPluginBase<Config> {
  /** Driver id; must equal the manifest's `id`. */
  readonly id: string;
  /** JSON Schema of the config object `parseConfig` accepts. */
  readonly configSchema: JsonSchema;
  /** URL schemes served when registered without a manifest; the manifest's `schemes` win otherwise. */
  readonly schemes?: readonly string[];
  /** Validates raw config (from a file, flags, or `configFromUrl`). Throws `ConfigError` naming the field. */
  parseConfig(input: unknown): Config;
  /** Turns a target URL (`s3://bucket/path`) into raw config for `parseConfig`. */
  configFromUrl?(url: URL): unknown;
}

/** A plugin that implements the small {@link ObjectStore} contract; core's chunked engine does the rest. */
export interface StoreDriverPlugin<Config = unknown> extends DriverPluginBase<Config> {
  /** Opens a store on validated config; core's chunked engine runs backups over it. */
  createStore(config: Config): ObjectStore | Promise<ObjectStore>;
  /** Absent: a plugin is one kind or the other. */
  createDriver?: undefined;
}

/** A plugin that implements {@link BackupDriver} itself (like Cinder's Ceph driver, without chunks). */
export interface DirectDriverPlugin<Config = unknown> extends DriverPluginBase<Config> {
  /** Opens the driver on validated config. */
  createDriver(config: Config): BackupDriver | Promise<BackupDriver>;
  /** Absent: a plugin is one kind or the other. */
  createStore?: undefined;
}

/** What a plugin defines, before branding. */
export type DriverPluginDefinition<Config = unknown> = StoreDriverPlugin<Config> | DirectDriverPlugin<Config>;

/** A branded driver plugin: the `default` export of a plugin's entry module. */
export type DriverPlugin<Config = unknown> = DriverPluginDefinition<Config> & {
  /** Set by {@link defineDriverPlugin} only, so a host can tell a plugin from any other default export. */
  readonly [DRIVER_BRAND]: true;
};

/**
 * Brands a driver definition so the loader accepts it. Use it for the `default` export of
 * the entry module named in the package's manifest.
 * @throws PluginError when the definition lacks an id, `parseConfig`, or exactly one of
 * `createStore` / `createDriver`.
 */
export function defineDriverPlugin<Config>(def: DriverPluginDefinition<Config>): DriverPlugin<Config> {
  const problem = pluginShapeProblem(def);
  if (problem) throw new PluginError(`defineDriverPlugin: ${problem}`);
  return Object.freeze({ ...def, [DRIVER_BRAND]: true as const });
}

/** True when `value` carries the driver brand (from any copy of core). */
export function isDriverPlugin(value: unknown): value is DriverPlugin {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    (value as { [DRIVER_BRAND]?: unknown })[DRIVER_BRAND] === true
  );
}

/** Describes what is wrong with a plugin object's shape, or null when it is usable. */
export function pluginShapeProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'the plugin must be an object';
  const p = value as Record<string, unknown>;
  if (typeof p.id !== 'string' || p.id === '') return 'the plugin has no string `id`';
  if (typeof p.parseConfig !== 'function') return `plugin "${p.id}" has no parseConfig(input) function`;
  if (typeof p.configSchema !== 'object' || p.configSchema === null) return `plugin "${p.id}" has no configSchema object`;
  if (p.configFromUrl !== undefined && typeof p.configFromUrl !== 'function') {
    return `plugin "${p.id}" has a configFromUrl that is not a function`;
  }
  const hasStore = typeof p.createStore === 'function';
  const hasDriver = typeof p.createDriver === 'function';
  if (hasStore === hasDriver) return `plugin "${p.id}" must define exactly one of createStore(config) and createDriver(config)`;
  return null;
}
