import { createRequire } from 'node:module';
import ssh2, { type ConnectConfig, type SFTPWrapper } from 'ssh2';
import type { StoreErrors } from '@volback/core/driver';
import type { HostKeyPolicy } from './host-key-policy.js';
import type { LoginCredentials } from './login-credentials.js';
import { SftpCallError } from './sftp-errors.js';

const { Client } = ssh2;

/** Where and how to connect: everything but the credentials. */
export interface ConnectTarget {
  readonly host: string;
  readonly port: number;
  readonly ciphers: readonly string[] | undefined;
  readonly connectTimeoutMs: number;
  readonly keepaliveIntervalMs: number;
}

/**
 * Whether ssh2 loaded its native crypto binding (built at install where a compiler and Node's
 * headers are at hand; see the README). ssh2 keeps the flag in a module of its own, not in its API.
 */
const nativeCrypto =
  (createRequire(import.meta.url)('ssh2/lib/protocol/crypto.js') as { bindingAvailable?: boolean }).bindingAvailable === true;

/**
 * Ciphers asked for first unless the config names its own. ssh2's order (AES-GCM first) is the
 * fastest with its native binding; without it, chacha20-poly1305 is (measured in docs/drivers/sftp.md).
 */
const PREFERRED_CIPHERS = nativeCrypto ? [] : ['chacha20-poly1305@openssh.com'];

/** One SSH connection and its SFTP session. */
export interface SftpConnection {
  readonly sftp: SFTPWrapper;
  /** False once the connection closed or failed: no call may use it any more. */
  readonly alive: boolean;
  /**
   * Rejects (ECONNRESET) when the connection is lost. ssh2 never answers a request sent on a
   * closed channel, so every call races this rather than wait forever.
   */
  readonly lost: Promise<never>;
  close(): void;
}

/**
 * Opens an SSH connection and an SFTP session on it. The host key is judged by `policy` before
 * any credential is sent: a refused key fails with an AuthError naming the presented
 * fingerprint. A refused login is an AuthError too; a network failure keeps its errno (a
 * retry may cure it). No message carries a credential.
 */
export function openSftpConnection(
  errors: StoreErrors,
  target: ConnectTarget,
  login: LoginCredentials,
  policy: HostKeyPolicy,
): Promise<SftpConnection> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const where = `${login.username}@${target.host}:${target.port}`;
    let hostKeyRefusal: string | undefined;
    let alive = true;
    let settled = false;
    let markLost: (err: Error) => void = () => undefined;
    const lost = new Promise<never>((_, reject) => (markLost = reject));
    // Nobody may be racing it when it happens.
    lost.catch(() => undefined);
    const fail = (err: Error): void => {
      alive = false;
      markLost(new SftpCallError(`SFTP connection to ${where} lost: ${err.message}`, 'ECONNRESET', undefined, { cause: err }));
      if (settled) return;
      settled = true;
      client.end();
      reject(err);
    };
    client.on('error', (err: Error & { level?: string; code?: unknown }) => {
      if (hostKeyRefusal !== undefined) return fail(errors.auth(hostKeyRefusal));
      if (err.level === 'client-authentication') {
        return fail(errors.auth(`the server refused the login of ${where} (tried: ${login.methods.join(', ')})`));
      }
      const code = typeof err.code === 'string' ? err.code : err.level === 'client-timeout' ? 'ETIMEDOUT' : 'ECONNRESET';
      // A handshake that cannot agree (no common cipher) never gets better by retrying.
      if (err.level === 'handshake') return fail(errors.backend(`SSH handshake with ${where} failed: ${err.message}`, false, err));
      fail(new SftpCallError(`connect to ${where}: ${err.message}`, code, undefined, { cause: err }));
    });
    client.on('close', () => fail(new SftpCallError(`connect to ${where}: the server closed the connection`, 'ECONNRESET')));
    client.on('ready', () => {
      client.sftp((err, sftp) => {
        if (err)
          return fail(new SftpCallError(`open an SFTP session on ${where}: ${err.message}`, 'ECONNRESET', undefined, { cause: err }));
        settled = true;
        sftp.on('close', () => fail(new Error('the SFTP channel closed')));
        resolve({
          sftp,
          lost,
          get alive() {
            return alive;
          },
          close: () => {
            alive = false;
            client.end();
          },
        });
      });
    });
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      ...login.connectOptions,
      readyTimeout: target.connectTimeoutMs,
      keepaliveInterval: target.keepaliveIntervalMs,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        hostKeyRefusal = policy.refusal(key);
        return hostKeyRefusal === undefined;
      },
      algorithms: {
        cipher: (target.ciphers === undefined ? { prepend: PREFERRED_CIPHERS, append: [], remove: [] } : [...target.ciphers]) as never,
        ...(policy.preferredTypes.length > 0
          ? { serverHostKey: { prepend: [...policy.preferredTypes], append: [], remove: [] } as never }
          : {}),
      },
    };
    try {
      client.connect(config);
      // Every SFTP call is a small request waiting for its answer: Nagle's algorithm against
      // delayed ACKs would add 40 ms to each.
      client.setNoDelay(true);
    } catch (err) {
      fail(errors.config(`cannot connect to ${where}: ${(err as Error).message}`, undefined, err));
    }
  });
}
