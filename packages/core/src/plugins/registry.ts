import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BackupDriver } from '../backup-driver.js';
import { ConfigError, PluginError, VolbackError } from '../errors.js';
import type { ObjectStore } from '../object-store.js';
import { isDriverPlugin, pluginShapeProblem, type DriverPlugin } from './brand.js';
import { discoverPlugins, type DiscoveredPlugin } from './discover.js';
import { redactTarget, scrubError, secretsOf } from './redact.js';

/** A target URL turned into a ready store or driver. */
export type ResolvedTarget =
  | {
      /** A store driver's target: the host runs the chunked engine on `store`. */
      kind: 'store';
      /** The plugin that serves the URL's scheme. */
      plugin: DriverPlugin;
      /** The config parsed from the URL and the options, defaults applied. */
      config: unknown;
      /** The target as given, for messages (print it through `redactTarget`). */
      url: URL;
      /** The store the plugin opened. */
      store: ObjectStore;
    }
  | {
      /** A backup driver's target: the plugin brings its own `driver`. */
      kind: 'driver';
      /** The plugin that serves the URL's scheme. */
      plugin: DriverPlugin;
      /** The config parsed from the URL and the options, defaults applied. */
      config: unknown;
      /** The target as given, for messages (print it through `redactTarget`). */
      url: URL;
      /** The backup driver the plugin made. */
      driver: BackupDriver;
    };

/** Options of {@link DriverRegistry.resolveTarget}. */
export interface ResolveTargetOptions {
  /** Where to discover plugins when no registered driver serves the scheme. Default `process.cwd()`. */
  fromDir?: string;
  /** Set false to use registered drivers only. Default true. */
  discover?: boolean;
  /** Raw config merged over what the URL gives, before `parseConfig`. */
  config?: Record<string, unknown>;
}

/** The outcome of loading one discovered package. */
export interface PluginLoadResult {
  /** The package as discovery found it. */
  discovered: DiscoveredPlugin;
  /** The loaded plugin, when loading it worked. */
  plugin?: DriverPlugin;
  /** Why the package could not be used: a PluginError, or the plugin's own typed error. */
  error?: VolbackError;
}

/**
 * Loads a discovered plugin: imports its entry through a file URL and checks the brand, the
 * shape and that the exported id matches the manifest.
 * @throws PluginError naming the package, whatever went wrong (including an entry that throws
 * while being imported).
 */
export async function loadDriverPlugin(discovered: DiscoveredPlugin): Promise<DriverPlugin> {
  const who = `${discovered.packageName}${discovered.version ? `@${discovered.version}` : ''}`;
  if (discovered.status !== 'ok') throw new PluginError(discovered.error ?? `${who} is not loadable`);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(discovered.entryPath).href)) as { default?: unknown };
  } catch (err) {
    throw new PluginError(`${who}: importing entry ${discovered.entryPath} failed: ${(err as Error)?.message ?? String(err)}`, {
      cause: err,
    });
  }
  const plugin = mod.default;
  if (!isDriverPlugin(plugin)) {
    throw new PluginError(
      `${who}: the default export of ${discovered.entryPath} is not a volback driver plugin (missing the Symbol.for('volback.driver') brand; wrap it in defineDriverPlugin())`,
    );
  }
  const problem = pluginShapeProblem(plugin);
  if (problem) throw new PluginError(`${who}: ${problem}`);
  if (plugin.id !== discovered.id) {
    throw new PluginError(`${who}: the entry exports driver id "${plugin.id}" but package.json volback.id is "${discovered.id}"`);
  }
  return plugin;
}

/**
 * Driver plugins known to a host, by id and URL scheme. Most hosts use the process-wide
 * {@link defaultDriverRegistry} through {@link registerDriver} and {@link resolveTarget}.
 */
export class DriverRegistry {
  private readonly byId = new Map<string, DriverPlugin>();
  private readonly byScheme = new Map<string, DriverPlugin>();

  /**
   * Makes a plugin available without discovery. `schemes` defaults to the plugin's own
   * `schemes`, else its id. Registering the same object twice is a no-op.
   * @throws PluginError when the object is not a branded plugin, or another plugin already
   * holds the id or a scheme.
   */
  register(plugin: DriverPlugin, schemes?: readonly string[]): void {
    if (!isDriverPlugin(plugin)) throw new PluginError('registerDriver: not a driver plugin (use defineDriverPlugin())');
    const problem = pluginShapeProblem(plugin);
    if (problem) throw new PluginError(`registerDriver: ${problem}`);
    const wanted = schemes ?? plugin.schemes ?? [plugin.id];
    const existing = this.byId.get(plugin.id);
    if (existing && existing !== plugin) throw new PluginError(`registerDriver: driver id "${plugin.id}" is already registered`);
    for (const scheme of wanted) {
      const holder = this.byScheme.get(scheme);
      if (holder && holder !== plugin) {
        throw new PluginError(`registerDriver: scheme "${scheme}:" is already served by driver "${holder.id}"`);
      }
    }
    this.byId.set(plugin.id, plugin);
    for (const scheme of wanted) this.byScheme.set(scheme, plugin);
  }

  /** The registered plugin with this id, if any. */
  get(id: string): DriverPlugin | undefined {
    return this.byId.get(id);
  }

  /** The registered plugin serving this URL scheme (without `:`), if any. */
  forScheme(scheme: string): DriverPlugin | undefined {
    return this.byScheme.get(scheme);
  }

  /** Ids of every registered plugin. */
  ids(): string[] {
    return [...this.byId.keys()];
  }

  /**
   * Discovers plugins from `fromDir`, loads every usable one and registers it under its
   * manifest's schemes. One broken package never stops the others: each result says what
   * happened to its package.
   */
  async loadDiscovered(fromDir?: string): Promise<PluginLoadResult[]> {
    const results: PluginLoadResult[] = [];
    for (const discovered of await discoverPlugins(fromDir === undefined ? {} : { fromDir })) {
      if (discovered.status !== 'ok') {
        results.push({ discovered, error: new PluginError(discovered.error ?? `${discovered.packageName} is not loadable`) });
        continue;
      }
      try {
        const plugin = this.byId.get(discovered.id) ?? (await loadDriverPlugin(discovered));
        this.register(plugin, discovered.schemes);
        results.push({ discovered, plugin });
      } catch (err) {
        results.push({ discovered, error: asPluginError(err, discovered.packageName) });
      }
    }
    return results;
  }

  /**
   * Turns a target into a store or driver: picks the plugin by URL scheme (a bare path means
   * `file`), discovering plugins from `fromDir` when none registered serves it, parses the
   * config (`configFromUrl`, then `parseConfig`) and creates the store or driver.
   * @throws PluginError when no plugin serves the scheme or the plugin fails in a way that is
   * not a typed volback error; a `ConfigError` from `parseConfig` passes through. Every message
   * is scrubbed of the target's and the config's secrets (the plugin's schema says which).
   */
  async resolveTarget(target: string, options: ResolveTargetOptions = {}): Promise<ResolvedTarget> {
    const url = targetToUrl(target);
    const scheme = url.protocol.slice(0, -1);
    let plugin = this.byScheme.get(scheme);
    if (!plugin && options.discover !== false) {
      const discovered = (await discoverPlugins(options.fromDir === undefined ? {} : { fromDir: options.fromDir })).find(
        (d) => d.schemes.includes(scheme) && d.status === 'ok',
      );
      if (discovered) {
        plugin = this.byId.get(discovered.id) ?? (await loadDriverPlugin(discovered));
        this.register(plugin, discovered.schemes);
      }
    }
    if (!plugin) {
      throw new PluginError(
        `no volback driver serves "${scheme}:" targets; installed drivers: ${this.ids().join(', ') || 'none'} (install a package whose package.json volback.schemes lists "${scheme}")`,
      );
    }
    // A driver's own messages may quote what it was given: they are scrubbed here, whatever it did.
    const secrets = [...secretsOf(target, plugin.configSchema), ...secretsOf(options.config, plugin.configSchema)];
    let config: unknown;
    try {
      const fromUrl = plugin.configFromUrl ? plugin.configFromUrl(url) : { url: url.href };
      const raw =
        options.config && typeof fromUrl === 'object' && fromUrl !== null ? { ...fromUrl, ...options.config } : (options.config ?? fromUrl);
      config = plugin.parseConfig(raw);
    } catch (err) {
      throw scrubError(err instanceof VolbackError ? err : asPluginError(err, `driver "${plugin.id}" config`), secrets);
    }
    try {
      if (plugin.createStore) return { kind: 'store', plugin, config, url, store: await plugin.createStore(config) };
      return { kind: 'driver', plugin, config, url, driver: await plugin.createDriver(config) };
    } catch (err) {
      throw scrubError(asPluginError(err, `driver "${plugin.id}"`), secrets);
    }
  }
}

/** The process-wide registry used by {@link registerDriver} and {@link resolveTarget}. */
export const defaultDriverRegistry = new DriverRegistry();

/** Registers a plugin in the {@link defaultDriverRegistry}. See {@link DriverRegistry.register}. */
export function registerDriver(plugin: DriverPlugin, schemes?: readonly string[]): void {
  defaultDriverRegistry.register(plugin, schemes);
}

/** Resolves a target with the {@link defaultDriverRegistry}. See {@link DriverRegistry.resolveTarget}. */
export function resolveTarget(target: string, options?: ResolveTargetOptions): Promise<ResolvedTarget> {
  return defaultDriverRegistry.resolveTarget(target, options);
}

/**
 * `s3://b/x` stays a URL; `/srv/backups`, `./backups` or `C:\backups` become `file:` URLs.
 * @throws ConfigError (field `target`) when it does not parse, quoting it with its secrets redacted.
 */
export function targetToUrl(target: string): URL {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(target) && !/^[a-zA-Z]:[\\/]/.test(target)) {
    try {
      return new URL(target);
    } catch (err) {
      // No cause: the URL parser's error carries the whole target as its `input`.
      throw new ConfigError(`target "${redactTarget(target)}" is not a valid URL: ${(err as Error).message}`, 'target');
    }
  }
  return pathToFileURL(resolvePath(target));
}

/** Typed volback errors pass through; anything else becomes a PluginError naming who failed. */
function asPluginError(err: unknown, who: string): VolbackError {
  if (err instanceof VolbackError) return err;
  if (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'string' &&
    (err as { code: string }).code.startsWith('E_')
  ) {
    return err as VolbackError;
  }
  return new PluginError(`${who} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}
