import { hostname } from 'node:os';
import { defineFileTreeStore, defineStoreDriver, storeErrors, type ObjectStore } from '@volback/core/driver';
import { nfsConfig, type NfsConfig } from './config.js';
import { NfsSession, type NfsSessionOptions } from './nfs-session.js';
import { NfsTransport } from './nfs-transport.js';

const errors = storeErrors('nfs');

/** Cinder's NFS driver is its posix driver on a mounted share: the same class in every record. */
const CINDER_NFS_SERVICE = 'cinder.backup.drivers.nfs.NFSBackupDriver';

/** The session options of a validated config, with the identity defaults (this process's ids and host name) filled in. */
export function sessionOptionsOf(config: NfsConfig): NfsSessionOptions {
  return {
    host: config.host,
    ...(config.nfsport === undefined ? {} : { nfsPort: config.nfsport }),
    ...(config.mountport === undefined ? {} : { mountPort: config.mountport }),
    portmapperPort: config.portmapperPort,
    exportPath: config.export,
    identity: {
      uid: config.uid ?? process.getuid?.() ?? 0,
      gid: config.gid ?? process.getgid?.() ?? 0,
      machineName: config.machineName ?? (Buffer.byteLength(hostname()) <= 255 ? hostname() : 'volback'),
    },
    timeoutMs: config.timeoutMs,
    connectTimeoutMs: config.connectTimeoutMs,
  };
}

/** The store on a validated config: nothing is sent until the first call (the mount happens then). */
export function nfsStore(config: NfsConfig, session = new NfsSession(sessionOptionsOf(config), errors)): ObjectStore {
  const fs = new NfsTransport(session, {
    ioSize: config.ioSize,
    requestsInFlight: config.requestsInFlight,
    tracksUnstableWrites: config.fsync,
  });
  const store = defineFileTreeStore('nfs', {
    service: CINDER_NFS_SERVICE,
    root: `/${config.path}`,
    maxConcurrency: config.maxConcurrency,
    fileMode: config.fileMode,
    dirMode: config.dirMode,
    fsync: config.fsync,
    fs,
  });
  return {
    ...store,
    // The server and the mount first: a refused connection or mount is the server's failure
    // (transient, or E_AUTH / E_CONFIG on the export), not a root that is "not a writable directory".
    checkForSetupError: async () => {
      await session.ready().catch((err: unknown) => {
        throw errors.classify(err, `mount nfs://${config.host}${config.export}`);
      });
      await store.checkForSetupError();
    },
  };
}

/**
 * The plugin the loader finds through this package's `volback` manifest:
 * `nfs://host[:nfsport]/export[/path]?mountport=…&uid=…&gid=…` targets.
 */
export const nfsDriverPlugin = defineStoreDriver({
  id: 'nfs',
  schemes: ['nfs'],
  config: nfsConfig,
  url: { host: 'host', port: 'nfsport', path: { field: 'export', as: 'path' } },
  createStore: (config) => nfsStore(config),
});

/** Validates untyped config as the plugin does, and creates the store. */
export function createNfsStore(config: unknown): ObjectStore {
  return nfsStore(nfsDriverPlugin.parseConfig(config));
}
