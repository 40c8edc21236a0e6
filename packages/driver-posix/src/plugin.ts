import { resolve } from 'node:path';
import { defineFileTreeStore, defineStoreDriver, fileTreeConfigFields, z, type ObjectStore } from '@volback/core/driver';
import { nodeFsTransport } from './node-fs-transport.js';

/** The posix driver's config: a root, Cinder's modes, fsync, and how many transfers run at once. */
export const posixConfig = z
  .strictObject({
    root: z
      .string()
      .min(1, 'must be a non-empty path')
      .refine((root) => !root.includes('\0'), 'must not contain a NUL byte')
      .describe("Backup root directory (Cinder's backup_posix_path); containers are directories below it"),
    ...fileTreeConfigFields,
    maxConcurrency: z.int().min(1).max(64).default(4).describe('Transfers run at once'),
  })
  .describe('Cinder posix/NFS backup layout on a local or mounted directory');

/** Settings of a posix store, validated, with defaults applied. */
export type PosixStoreConfig = z.output<typeof posixConfig>;

/** The store on `config.root`, its path made absolute: that root is never a backup's source or a restore's target. */
function posixStore({ root, ...settings }: PosixStoreConfig): ObjectStore {
  return defineFileTreeStore('posix', {
    service: 'cinder.backup.drivers.posix.PosixBackupDriver',
    root: resolve(root),
    local: true,
    ...settings,
    fs: nodeFsTransport,
  });
}

/**
 * The plugin the loader finds through this package's `volback` manifest: `file:` URLs and plain
 * paths (`/srv/backups`, `file:///srv/backups?fsync=false&fileMode=0640`).
 */
export const posixDriverPlugin = defineStoreDriver({
  id: 'posix',
  schemes: ['file'],
  config: posixConfig,
  url: { path: { field: 'root', as: 'local' } },
  createStore: posixStore,
});

/** Validates untyped config (a parsed JSON file, flags) as the plugin does, and creates the store. */
export function createPosixStore(config: unknown): ObjectStore {
  return posixStore(posixDriverPlugin.parseConfig(config));
}
