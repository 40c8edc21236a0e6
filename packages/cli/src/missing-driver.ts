import { PluginError } from '@volback/core';
import type { FoundPlugin } from './plugin-dirs.js';

/**
 * The packages of the project's own drivers, for the hint only: discovery never depends on this
 * list, and a third-party driver serves any scheme its manifest names.
 */
const OFFICIAL_DRIVERS: Readonly<Record<string, string>> = {
  file: '@volback/driver-posix',
  s3: '@volback/driver-s3',
  azure: '@volback/driver-azure',
  gs: '@volback/driver-gcs',
  sftp: '@volback/driver-sftp',
  nfs: '@volback/driver-nfs',
};

/**
 * No installed driver serves `scheme`: says which drivers are installed (and which were found
 * but cannot load), and what to install.
 */
export function missingDriverError(scheme: string, found: readonly FoundPlugin[]): PluginError {
  const usable = found.filter((d) => d.status === 'ok');
  const installed = usable.length ? usable.map((d) => `${d.id} (${d.schemes.map((s) => `${s}:`).join(', ')})`).join(', ') : 'none';
  const broken = found.filter((d) => d.status !== 'ok' && d.schemes.includes(scheme));
  const official = OFFICIAL_DRIVERS[scheme];
  const install = official
    ? `install ${official} (npm install ${official}) in your project or beside volback`
    : `install a driver package whose package.json volback.schemes lists "${scheme}"`;
  const lines = [
    `no installed volback driver serves "${scheme}:" targets; installed drivers: ${installed}`,
    ...broken.map((d) => `${d.packageName} would, but cannot load: ${d.error ?? 'unknown error'}`),
    `${install}, or name the directory it is installed in with VOLBACK_PLUGINS_DIR (run \`volback drivers\` to see where drivers are looked for)`,
  ];
  return new PluginError(lines.join('; '));
}
