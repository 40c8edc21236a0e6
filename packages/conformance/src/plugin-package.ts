import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverPlugins, loadDriverPlugin, type DiscoveredPlugin } from '@volback/core';
import type { ConformanceRunner } from './runner.js';

/** The name of the group the package checks register under, for a report or a test filter that picks them out. */
export const PLUGIN_PACKAGE_GROUP = 'plugin package';

/** A JSON Schema property as drivers' config schemas spell them. */
type SchemaProperty = { description?: string };

/**
 * Checks a driver package as a host meets it, without running a store: discovered from its
 * directory by the host's own discovery (a valid `volback` manifest whose apiVersion accepts this
 * core), loaded by the host's own loader (the built entry the manifest names exists and exports a
 * branded plugin whose id is the manifest's, serving the manifest's schemes), and with a config
 * schema (`volback drivers --schema`) that describes every field. Run it after the package is
 * built: it imports what users get, not the sources.
 *
 * `packageDir` is the package's directory (a path or a file: URL, e.g.
 * `new URL('..', import.meta.url)` from its test directory).
 */
export function definePluginPackageChecks(runner: ConformanceRunner, packageDir: string | URL): void {
  const dir = typeof packageDir === 'string' ? packageDir : fileURLToPath(packageDir);
  const { describe, it, expect } = runner;
  const discovered = async (): Promise<DiscoveredPlugin> => {
    const { name } = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: string };
    const found = (await discoverPlugins({ fromDir: dir })).find((d) => d.packageName === name);
    if (found === undefined) throw new Error(`${name ?? dir}: not discovered as a volback plugin (no "volback" field in package.json?)`);
    return found;
  };

  describe(PLUGIN_PACKAGE_GROUP, () => {
    it("is discovered from its manifest, which accepts this core's plugin API", async () => {
      const found = await discovered();
      expect(found.error ?? null).toBeNull();
      expect(found.status).toBe('ok');
    });

    it("loads as a host loads it: the manifest's entry exports a branded plugin with the manifest's id and schemes", async () => {
      const found = await discovered();
      const plugin = await loadDriverPlugin(found);
      expect(plugin.id).toBe(found.id);
      expect([...(plugin.schemes ?? found.schemes)].sort()).toEqual([...found.schemes].sort());
    });

    it('describes every config field in the schema hosts print', async () => {
      const plugin = await loadDriverPlugin(await discovered());
      const schema = plugin.configSchema as { type?: unknown; properties?: Record<string, SchemaProperty> };
      expect(schema.type).toBe('object');
      const undescribed = Object.entries(schema.properties ?? {})
        .filter(([, p]) => !p.description)
        .map(([name]) => name);
      expect(undescribed).toEqual([]);
    });
  });
}
