import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { VolbackError } from '../errors.js';
import { mapLimited } from '../engine/flow/map-limited.js';
import { CORE_API_VERSION } from './api-version.js';
import { apiVersionSatisfied, parseManifest } from './manifest.js';

/** One package with a `volback` field, as found on disk, before any of its code runs. */
export interface DiscoveredPlugin {
  /** Manifest id; the package name when the manifest has no usable id. */
  id: string;
  /** The npm package name, for messages and for `volback drivers`. */
  packageName: string;
  /** The package's version, shown beside its name; empty when package.json has none. */
  version: string;
  /** Real path of the package directory (symlinks resolved). */
  dir: string;
  /** URL schemes the manifest says the driver serves (`s3:`), so a target finds it without loading every plugin. */
  schemes: string[];
  /** The manifest's semver range of core API versions. */
  apiVersion: string;
  /** Absolute path of the entry module. */
  entryPath: string;
  /** `error`: the package cannot be loaded; `error` says why. */
  status: 'ok' | 'error';
  /** Why the package cannot be loaded, when `status` is `error`. */
  error?: string;
}

/** Options of {@link discoverPlugins}. */
export interface DiscoverOptions {
  /** The host project's directory (its package.json and node_modules). Default: `process.cwd()`. */
  fromDir?: string;
  /** Core API version to check manifests against. Default {@link CORE_API_VERSION}. */
  coreApiVersion?: string;
}

/** package.json files read at once while discovering. */
const PACKAGE_READS_AT_ONCE = 32;

interface PackageJson {
  name?: unknown;
  version?: unknown;
  volback?: unknown;
}

/**
 * Finds installed driver plugins by reading package.json files only (no plugin code runs):
 * the host project itself, the packages in its `node_modules` (scoped ones and pnpm symlinks
 * included) and, when the host is inside a pnpm workspace, every workspace package.
 *
 * Broken packages are returned with `status: 'error'` and never stop the others. When two
 * packages claim the same id, the first found wins (host, then node_modules, then workspace)
 * and the other is reported as an error.
 */
export async function discoverPlugins(options: DiscoverOptions = {}): Promise<DiscoveredPlugin[]> {
  const fromDir = resolve(options.fromDir ?? process.cwd());
  const coreVersion = options.coreApiVersion ?? CORE_API_VERSION;

  const candidates: string[] = [fromDir, ...(await nodeModulesPackages(join(fromDir, 'node_modules')))];
  const workspaceRoot = await findPnpmWorkspaceRoot(fromDir);
  if (workspaceRoot) candidates.push(...(await workspacePackages(workspaceRoot)));

  // Every package of a project is read, so many at once; not all at once, as each read holds a
  // file descriptor and a failed read would hide a plugin. The first found still wins.
  const inspected = await mapLimited(candidates, PACKAGE_READS_AT_ONCE, async (candidate) => {
    const dir = await realpath(candidate).catch(() => null);
    return dir === null ? null : { dir, found: await inspectPackage(dir, coreVersion) };
  });
  const seenDirs = new Set<string>();
  const byId = new Map<string, DiscoveredPlugin>();
  const results: DiscoveredPlugin[] = [];
  for (const entry of inspected) {
    if (entry === null || seenDirs.has(entry.dir)) continue;
    seenDirs.add(entry.dir);
    const { found } = entry;
    if (!found) continue;
    const first = byId.get(found.id);
    if (first && found.status === 'ok') {
      results.push({
        ...found,
        status: 'error',
        error: `${found.packageName}: driver id "${found.id}" is already provided by ${first.packageName}@${first.version} (${first.dir}); the first one found is used`,
      });
      continue;
    }
    if (!first && found.status === 'ok') byId.set(found.id, found);
    results.push(found);
  }
  return results;
}

/** Reads one package directory; null when it is not a plugin. */
async function inspectPackage(dir: string, coreVersion: string): Promise<DiscoveredPlugin | null> {
  let text: string;
  try {
    text = await readFile(join(dir, 'package.json'), 'utf8');
  } catch {
    return null;
  }
  let pkg: PackageJson;
  try {
    pkg = JSON.parse(text) as PackageJson;
  } catch (err) {
    // Only worth reporting if it looks like it meant to be a plugin.
    if (!text.includes('"volback"')) return null;
    return broken(dir, dir, '', `${dir}/package.json is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof pkg !== 'object' || pkg === null || pkg.volback === undefined) return null;
  const packageName = typeof pkg.name === 'string' ? pkg.name : dir;
  const version = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  const raw = pkg.volback as { id?: unknown };
  try {
    const manifest = parseManifest(pkg.volback, packageName);
    const entryPath = resolve(dir, manifest.entry);
    const base = {
      id: manifest.id,
      packageName,
      version,
      dir,
      schemes: manifest.schemes,
      apiVersion: manifest.apiVersion,
      entryPath,
    };
    if (!apiVersionSatisfied(manifest.apiVersion, coreVersion)) {
      return {
        ...base,
        status: 'error',
        error: `${packageName}@${version} needs volback plugin API ${manifest.apiVersion}, but this core provides ${coreVersion}`,
      };
    }
    const entryStat = await stat(entryPath).catch(() => null);
    if (!entryStat?.isFile()) {
      return {
        ...base,
        status: 'error',
        error: `${packageName}: entry ${manifest.entry} not found at ${entryPath} (is the package built?)`,
      };
    }
    return { ...base, status: 'ok' };
  } catch (err) {
    const message = err instanceof VolbackError ? err.message : `${packageName}: ${(err as Error).message}`;
    const id = typeof raw === 'object' && raw !== null && typeof raw.id === 'string' ? raw.id : packageName;
    return broken(dir, packageName, version, message, id);
  }
}

function broken(dir: string, packageName: string, version: string, error: string, id = packageName): DiscoveredPlugin {
  return { id, packageName, version, dir, schemes: [], apiVersion: '', entryPath: '', status: 'error', error };
}

/** Package directories directly under a node_modules folder, `@scope/name` included, sorted. */
async function nodeModulesPackages(nodeModules: string): Promise<string[]> {
  // .bin, .pnpm, .modules.yaml: not packages
  const names = (await listDirNames(nodeModules)).filter((name) => !name.startsWith('.'));
  const groups = await Promise.all(
    names.map(async (name) => {
      const path = join(nodeModules, name);
      if (!name.startsWith('@')) return [path];
      return (await listDirNames(path)).filter((inner) => !inner.startsWith('.')).map((inner) => join(path, inner));
    }),
  );
  return groups.flat();
}

/** Names of directories (or symlinks to them) in `dir`, sorted; empty when `dir` is missing. */
async function listDirNames(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  // pnpm links every package: a stat each, all at once.
  const isDir = await Promise.all(
    entries.map(
      async (e) => e.isDirectory() || (e.isSymbolicLink() && (await stat(join(dir, e.name)).catch(() => null))?.isDirectory() === true),
    ),
  );
  return entries
    .filter((_, i) => isDir[i])
    .map((e) => e.name)
    .sort();
}

/** The nearest directory at or above `start` holding pnpm-workspace.yaml, or null. */
export async function findPnpmWorkspaceRoot(start: string): Promise<string | null> {
  let dir = resolve(start);
  for (;;) {
    const st = await stat(join(dir, 'pnpm-workspace.yaml')).catch(() => null);
    if (st?.isFile()) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Directories of the workspace's packages, from the `packages:` globs of pnpm-workspace.yaml. */
async function workspacePackages(root: string): Promise<string[]> {
  const yaml = await readFile(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const patterns = parseWorkspacePatterns(yaml);
  const include = patterns.filter((p) => !p.startsWith('!'));
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => globToRegExp(p.slice(1)));
  const dirs = new Set<string>();
  for (const pattern of include) {
    for (const rel of await expandGlob(root, pattern)) {
      if (exclude.some((re) => re.test(rel))) continue;
      dirs.add(join(root, rel));
    }
  }
  return [...dirs].sort();
}

/**
 * The `packages:` list of pnpm-workspace.yaml. A small reader for the one shape pnpm uses
 * (a block sequence of quoted or plain strings), so core needs no YAML dependency.
 */
export function parseWorkspacePatterns(yaml: string): string[] {
  const patterns: string[] = [];
  let inPackages = false;
  for (const rawLine of yaml.split(/\r?\n/)) {
    const line = rawLine.replace(/\s+#.*$/, '');
    if (/^packages\s*:/.test(line)) {
      inPackages = true;
      const inline = line.slice(line.indexOf(':') + 1).trim();
      if (inline.startsWith('[')) {
        for (const item of inline.replace(/^\[|\]$/g, '').split(',')) {
          const v = unquote(item.trim());
          if (v) patterns.push(v);
        }
        inPackages = false;
      }
      continue;
    }
    if (!inPackages) continue;
    if (/^\S/.test(line)) {
      inPackages = false;
      continue;
    }
    const item = /^\s*-\s*(.+?)\s*$/.exec(line);
    if (item?.[1]) patterns.push(unquote(item[1]));
  }
  return patterns.map((p) => p.replace(/^\.\//, '').replace(/\/$/, ''));
}

function unquote(s: string): string {
  return s.replace(/^(['"])(.*)\1$/, '$2');
}

/** Expands a workspace glob (`packages/*`, `tools/**`, or a literal path) to relative dirs holding a package.json. */
async function expandGlob(root: string, pattern: string): Promise<string[]> {
  if (isAbsolute(pattern)) return [];
  const segments = pattern.split('/');
  const results: string[] = [];
  const walk = async (rel: string, index: number): Promise<void> => {
    if (index === segments.length) {
      const st = await stat(join(root, rel, 'package.json')).catch(() => null);
      if (st?.isFile()) results.push(rel);
      return;
    }
    const segment = segments[index] as string;
    if (segment === '**') {
      await walk(rel, index + 1);
      for (const name of await listDirNames(join(root, rel))) {
        if (name === 'node_modules' || name.startsWith('.')) continue;
        await walk(join(rel, name), index);
      }
      return;
    }
    if (segment.includes('*')) {
      const re = globToRegExp(segment);
      for (const name of await listDirNames(join(root, rel))) {
        if (name !== 'node_modules' && !name.startsWith('.') && re.test(name)) await walk(join(rel, name), index + 1);
      }
      return;
    }
    await walk(join(rel, segment), index + 1);
  };
  await walk('', 0);
  return results;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^/]*';
    } else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re.replace(/\/\.\*$/, '(/.*)?')}$`);
}
