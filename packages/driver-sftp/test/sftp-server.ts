import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { describeWithTestServer, type TestServerSpec } from '@volback/conformance';
import { describe, it } from 'vitest';
import { createSftpStore, type SftpConfigInput } from '../src/index.js';

/** The test sshd, as `tooling/servers/sshd.sh start` describes it in env vars. */
export interface SftpTestServer {
  host: string;
  port: number;
  user: string;
  /** The client's private key file. */
  identity: string;
  /** A known_hosts file holding the server's host key. */
  knownHosts: string;
  /** The host key's `SHA256:` fingerprint. */
  hostKeySha256: string;
  /** A directory the tests write into, as the server (and this machine) names it. */
  root: string;
  /** The server's sshd_config, for a test that starts a second sshd like it. */
  sshdConfig: string | undefined;
}

export const SSHD_SPEC: TestServerSpec = {
  label: 'openssh',
  envPrefix: 'VOLBACK_TEST_SFTP',
  required: ['HOST', 'PORT', 'USER', 'IDENTITY', 'KNOWN_HOSTS', 'HOST_KEY_SHA256', 'ROOT'],
  script: 'sshd.sh',
};

/** Registers `body` when the test sshd runs; fails under CI=true and skips otherwise when it does not. */
export function describeWithSshd(title: string, body: (server: SftpTestServer) => void): void {
  describeWithTestServer({ describe, it }, title, SSHD_SPEC, (env) =>
    body({
      host: env['HOST']!,
      port: Number(env['PORT']),
      user: env['USER']!,
      identity: env['IDENTITY']!,
      knownHosts: env['KNOWN_HOSTS']!,
      hostKeySha256: env['HOST_KEY_SHA256']!,
      root: env['ROOT']!,
      sshdConfig: env['SSHD_CONFIG'],
    }),
  );
}

/** A fresh directory under the server's root, so tests never see each other's files. */
export function freshRoot(server: SftpTestServer, tag = 't'): Promise<string> {
  return mkdtemp(join(server.root, `${tag}-`));
}

/** Config for a store in `root` of `server`: key login, host key checked against the server's known_hosts (never ~/.ssh). */
export function configFor(server: SftpTestServer, root: string, extra: Partial<SftpConfigInput> = {}): SftpConfigInput {
  return {
    host: server.host,
    port: server.port,
    username: server.user,
    identity: server.identity,
    knownHosts: server.knownHosts,
    agent: 'none',
    root,
    ...extra,
  };
}

/**
 * Puts one object through a store on `config` and reads it back: undefined when that worked,
 * else the error (a host key refusal, a refused login, ...). The store is closed either way.
 */
export async function roundTripError(config: SftpConfigInput, data = new Uint8Array([1, 2, 3])): Promise<unknown> {
  const store = createSftpStore(config);
  try {
    await store.ensureContainer('c');
    await store.putObject('c', 'o', data);
    const back = await store.getObject('c', 'o');
    if (!Buffer.from(back).equals(Buffer.from(data))) throw new Error('read back other bytes than were put');
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await store.close?.();
  }
}
