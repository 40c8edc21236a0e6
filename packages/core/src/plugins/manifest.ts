// Only the two functions: the whole package built ~40 regexes at import, ~11 ms of every command's start.
import satisfies from 'semver/functions/satisfies.js';
import validRange from 'semver/ranges/valid.js';
import { PluginError } from '../errors.js';

/**
 * A driver package's `volback` field in its package.json: what the loader reads without
 * running the package's code.
 *
 * ```json
 * "volback": { "manifestVersion": 1, "kind": "driver", "id": "s3",
 *   "schemes": ["s3"], "apiVersion": "^1.0.0", "entry": "./dist/index.js" }
 * ```
 */
export interface PluginManifest {
  /** Version of this manifest shape; only 1 exists. */
  manifestVersion: 1;
  /** Only driver plugins exist so far. */
  kind: 'driver';
  /** Short driver id, lowercase (`s3`, `posix`); must equal the entry's exported `id`. */
  id: string;
  /** URL schemes the driver serves (`s3`, `file`), without the colon. */
  schemes: string[];
  /** Semver range of the core plugin API the package works with (e.g. `^1.0.0`). */
  apiVersion: string;
  /** Path of the entry module, relative to the package directory. */
  entry: string;
}

const ID_PATTERN = /^[a-z][a-z0-9-]*$/;
// RFC 3986 scheme syntax, lowercase only since URL parsing lowercases schemes.
const SCHEME_PATTERN = /^[a-z][a-z0-9+.-]*$/;

/**
 * Validates the `volback` field of `packageName`'s package.json.
 * @throws PluginError naming the package and the field at fault.
 */
export function parseManifest(json: unknown, packageName: string): PluginManifest {
  const fail = (field: string, problem: string): never => {
    throw new PluginError(`${packageName}: package.json volback.${field} ${problem}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new PluginError(`${packageName}: package.json "volback" must be an object`);
  }
  const m = json as Record<string, unknown>;
  if (m.manifestVersion !== 1) fail('manifestVersion', `must be 1, got ${JSON.stringify(m.manifestVersion)}`);
  if (m.kind !== 'driver') fail('kind', `must be "driver", got ${JSON.stringify(m.kind)}`);
  if (typeof m.id !== 'string' || !ID_PATTERN.test(m.id)) {
    fail('id', `must be a lowercase identifier like "s3" or "my-store", got ${JSON.stringify(m.id)}`);
  }
  if (!Array.isArray(m.schemes) || m.schemes.length === 0) {
    fail('schemes', `must be a non-empty array of URL schemes, got ${JSON.stringify(m.schemes)}`);
  }
  const schemes = m.schemes as unknown[];
  for (const s of schemes) {
    if (typeof s !== 'string' || !SCHEME_PATTERN.test(s)) {
      fail('schemes', `holds ${JSON.stringify(s)}, which is not a lowercase URL scheme without ":"`);
    }
  }
  if (typeof m.apiVersion !== 'string' || validRange(m.apiVersion) === null) {
    fail('apiVersion', `must be a semver range like "^1.0.0", got ${JSON.stringify(m.apiVersion)}`);
  }
  if (typeof m.entry !== 'string' || m.entry === '') fail('entry', 'must be a relative path to the entry module');
  const entry = m.entry as string;
  if (entry.startsWith('/') || /^[A-Za-z]:[\\/]/.test(entry) || entry.split(/[\\/]/).includes('..')) {
    fail('entry', `must be a path inside the package, got ${JSON.stringify(entry)}`);
  }
  return {
    manifestVersion: 1,
    kind: 'driver',
    id: m.id as string,
    schemes: [...(schemes as string[])],
    apiVersion: m.apiVersion as string,
    entry,
  };
}

/** True when a manifest's `apiVersion` range accepts `coreVersion`. */
export function apiVersionSatisfied(range: string, coreVersion: string): boolean {
  return satisfies(coreVersion, range, { includePrerelease: true });
}
