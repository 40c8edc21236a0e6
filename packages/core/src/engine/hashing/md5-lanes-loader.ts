import { ConfigError } from '../../errors.js';
import { webAssembly } from '../memory/web-assembly.js';

/** The MD5 lanes' module, once loaded: see md5-lanes/md5-lanes.ts. */
export type Md5LanesModule = typeof import('./md5-lanes/index.js');

/** The environment variable that switches the MD5 lanes off (`0`) for every backup of a process. */
export const MD5_LANES_ENV = 'VOLBACK_MD5_LANES';
const OFF = new Set(['0', 'false', 'off', 'no']);
const ON = new Set(['1', 'true', 'on', 'yes']);

/**
 * Whether full backups may hash MD5 in lanes: not when the host's option says `false`, nor
 * when `VOLBACK_MD5_LANES` says `0`, an operator's off switch that needs no change to the host.
 * Any other value of the variable is refused, so a typo does not pass for a switch that works.
 */
export function md5LanesWanted(option: boolean | undefined, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const raw = env[MD5_LANES_ENV];
  const value = raw?.trim().toLowerCase() ?? '';
  if (OFF.has(value)) return false;
  if (value !== '' && !ON.has(value)) {
    throw new ConfigError(`${MD5_LANES_ENV} must be 0 (off) or 1 (on); got ${JSON.stringify(raw)}`, MD5_LANES_ENV);
  }
  return option ?? true;
}

let loading: Promise<Md5LanesModule | null> | undefined;

/**
 * The MD5 lanes, loaded and their kernels compiled on first use, once a process; null where
 * they cannot run: no WebAssembly (`node --jitless`), or a kernel that does not compile (no
 * WebAssembly SIMD). Callers then hash with node:crypto, which gives the same digests slower.
 * Nothing of the lanes loads before a full backup asks for them.
 */
export function loadMd5Lanes(): Promise<Md5LanesModule | null> {
  loading ??= (async () => {
    if (!webAssembly()) return null;
    try {
      const lanes = await import('./md5-lanes/index.js');
      lanes.compileMd5Kernels();
      return lanes;
    } catch {
      // Whatever failed, node:crypto computes the same digests: the lanes are only faster.
      return null;
    }
  })();
  return loading;
}
