import { defineFileTreeStore, defineStoreDriver, storeErrors, type ObjectStore } from '@volback/core/driver';
import { sftpConfig, type SftpConfig } from './config.js';
import { ConnectionPool } from './connection-pool.js';
import { hostKeyPolicy, type HostKeyPolicy } from './host-key-policy.js';
import { loginCredentials, type LoginCredentials } from './login-credentials.js';
import { openSftpConnection } from './sftp-connection.js';
import { sftpTransport } from './sftp-transport.js';

/**
 * The store in `config.root` of the SFTP server. Nothing connects until the first call; the
 * host key policy and credentials are read then, once, and every connection (a reconnect too)
 * checks the host key before logging in.
 */
function sftpStore(config: SftpConfig): ObjectStore {
  const errors = storeErrors('sftp');
  let prepared: Promise<{ login: LoginCredentials; policy: HostKeyPolicy }> | undefined;
  const prepare = () =>
    (prepared ??= (async () => ({
      policy: await hostKeyPolicy(errors, config.host, config.port, config),
      login: await loginCredentials(errors, config),
    }))());
  const target = {
    host: config.host,
    port: config.port,
    ciphers: config.ciphers?.split(','),
    connectTimeoutMs: config.connectTimeoutMs,
    keepaliveIntervalMs: config.keepaliveIntervalMs,
  };
  const pool = new ConnectionPool(config.connections, async () => {
    const { login, policy } = await prepare();
    return openSftpConnection(errors, target, login, policy);
  });
  return defineFileTreeStore('sftp', {
    service: 'cinder.backup.drivers.posix.PosixBackupDriver',
    root: config.root,
    maxConcurrency: config.maxConcurrency,
    fileMode: config.fileMode,
    dirMode: config.dirMode,
    fsync: config.fsync,
    fs: sftpTransport(pool, { requestSize: config.requestSize, inFlight: config.requestsInFlight }),
  });
}

/**
 * The plugin the loader finds through this package's `volback` manifest:
 * `sftp://user@host:port/path?identity=<keyfile>&knownHosts=<file>` (or `&hostKey=SHA256:…`).
 */
export const sftpDriverPlugin = defineStoreDriver({
  id: 'sftp',
  schemes: ['sftp'],
  config: sftpConfig,
  url: { host: 'host', port: 'port', username: 'username', password: 'password', path: { field: 'root', as: 'path' } },
  createStore: sftpStore,
});

/** Validates untyped config (a parsed JSON file, flags) as the plugin does, and creates the store. */
export function createSftpStore(config: unknown): ObjectStore {
  return sftpStore(sftpDriverPlugin.parseConfig(config));
}
