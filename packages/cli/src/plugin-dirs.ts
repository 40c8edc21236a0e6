import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverPlugins, type DiscoveredPlugin } from '@volback/core';
import { CLI_PACKAGE_JSON } from './cli-package.js';
import type { CliIo } from './io.js';

/** A discovered driver and where it was looked for: `VOLBACK_PLUGINS_DIR`, `project`, `beside the CLI`. */
export interface FoundPlugin extends DiscoveredPlugin {
  foundVia: string;
  /** Another package with this driver id was found first and is the one used. */
  shadowed?: true;
}

/** A directory drivers are looked for from (its package, its node_modules, its pnpm workspace). */
interface PluginDir {
  dir: string;
  via: string;
}

const CLI_DIR = dirname(fileURLToPath(CLI_PACKAGE_JSON));

/**
 * Where drivers are looked for, first wins: every directory of `VOLBACK_PLUGINS_DIR` (a list
 * separated like PATH), the nearest project above the current directory (its package.json), the
 * install the CLI sits in (the node_modules holding it: a global or npx install, or a project's),
 * the CLI's own dependencies, and driver-posix wherever it resolves from the CLI, so that posix
 * works from any directory.
 */
export function pluginDirs(io: CliIo): PluginDir[] {
  const out: PluginDir[] = [];
  for (const dir of (io.env.VOLBACK_PLUGINS_DIR ?? '').split(delimiter).filter(Boolean))
    out.push({ dir: resolve(dir), via: 'VOLBACK_PLUGINS_DIR' });
  const project = nearestProject(process.cwd());
  if (project) out.push({ dir: project, via: 'project' });
  const install = enclosingInstall(CLI_DIR);
  if (install) out.push({ dir: install, via: 'beside the CLI' });
  out.push({ dir: CLI_DIR, via: 'beside the CLI' });
  const posix = resolvedPackageDir('@volback/driver-posix');
  if (posix) out.push({ dir: posix, via: 'beside the CLI' });
  return out.filter((d, i) => out.findIndex((o) => o.dir === d.dir) === i);
}

/**
 * Every driver found from {@link pluginDirs}, each package once. Discovery reads package.json
 * files only; nothing is imported until a scheme is asked for. A second package with an id
 * already found is reported as an error naming the first, which is the one used.
 */
export async function discoverAll(io: CliIo): Promise<FoundPlugin[]> {
  const dirs = pluginDirs(io);
  const found = await Promise.all(dirs.map(({ dir }) => discoverPlugins({ fromDir: dir })));
  const seen = new Set<string>();
  const byId = new Map<string, FoundPlugin>();
  const all: FoundPlugin[] = [];
  found.forEach((list, i) => {
    for (const d of list) {
      const key = `${d.packageName}@${d.dir}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const first = byId.get(d.id);
      if (d.status === 'ok' && first) {
        all.push({
          ...d,
          foundVia: dirs[i]!.via,
          status: 'error',
          shadowed: true,
          error: `${d.packageName}: driver id "${d.id}" is already provided by ${first.packageName}@${first.version} (${first.dir}, ${first.foundVia}); that one is used`,
        });
        continue;
      }
      const plugin = { ...d, foundVia: dirs[i]!.via };
      if (d.status === 'ok') byId.set(d.id, plugin);
      all.push(plugin);
    }
  });
  return all;
}

/** The nearest directory at or above `from` with a package.json: the user's project. */
function nearestProject(from: string): string | null {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

/** The directory whose node_modules holds `dir` (`<prefix>/lib` of a global install), if any. */
function enclosingInstall(dir: string): string | null {
  for (let d = dir; dirname(d) !== d; d = dirname(d)) {
    if (basename(d) === 'node_modules') return dirname(d);
  }
  return null;
}

/** The directory of package `name` as the CLI itself resolves it, or null when it does not. */
function resolvedPackageDir(name: string): string | null {
  try {
    return dirname(createRequire(CLI_PACKAGE_JSON).resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}
