import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isMissingErrno, type StoreErrors } from '@volback/core/driver';
import { keyTypeOf, knownHostsName, knownKeysFor, sha256Fingerprint, type KnownKey } from './known-hosts.js';

/** How the server's host key is judged, decided before connecting: a pinned fingerprint or known_hosts keys. */
export interface HostKeyPolicy {
  /** Host key algorithms to ask for first: those known for this host, so the server presents a key that can match. */
  readonly preferredTypes: readonly string[];
  /** Undefined when `blob` is the server's key; otherwise why it is refused, with its fingerprint. */
  refusal(blob: Buffer): string | undefined;
}

/** Where host keys are looked up when the config names no file, as OpenSSH does. */
export function defaultKnownHostsFiles(): string[] {
  return [join(homedir(), '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'];
}

/** RSA keys are presented under the SHA-2 signature names as well as their own. */
const ALGORITHMS_OF_TYPE: Record<string, readonly string[]> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * The policy for `host:port`: `hostKey` pinned, else the keys of `knownHostsFile` (or of the
 * default files). Missing default files hold no keys; a named file that is missing is a config error.
 */
export async function hostKeyPolicy(
  errors: StoreErrors,
  host: string,
  port: number,
  pinned: { hostKey?: string | undefined; knownHosts?: string | undefined },
): Promise<HostKeyPolicy> {
  const name = knownHostsName(host, port);
  if (pinned.hostKey !== undefined) {
    const expected = pinned.hostKey;
    return {
      preferredTypes: [],
      refusal: (blob) => {
        const presented = sha256Fingerprint(blob);
        return presented === expected
          ? undefined
          : `the host key of ${name} does not match the pinned hostKey ${expected}: the server presented ${keyTypeOf(blob)} ${presented}`;
      },
    };
  }
  const files = pinned.knownHosts === undefined ? defaultKnownHostsFiles() : [pinned.knownHosts];
  const keys: KnownKey[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (pinned.knownHosts === undefined && isMissingErrno(err)) continue;
      throw errors.config(`cannot read the known_hosts file ${file}: ${(err as Error).message}`, 'knownHosts', err);
    }
    keys.push(...knownKeysFor(text, name));
  }
  const where = files.join(', ');
  const valid = keys.filter((k) => !k.revoked);
  return {
    preferredTypes: [...new Set(valid.flatMap((k) => ALGORITHMS_OF_TYPE[k.type] ?? [k.type]))],
    refusal: (blob) => {
      const presented = `${keyTypeOf(blob)} ${sha256Fingerprint(blob)}`;
      if (keys.some((k) => k.revoked && k.blob.equals(blob))) return `the host key of ${name} is marked @revoked in ${where}: ${presented}`;
      if (valid.some((k) => k.blob.equals(blob))) return undefined;
      if (valid.length === 0) {
        return (
          `${name} is not a known host (no key for it in ${where}); the server presented ${presented}. ` +
          'Check that fingerprint out of band, then add the key to known_hosts (ssh-keyscan) or pin it with hostKey'
        );
      }
      return (
        `the host key of ${name} has CHANGED: the server presented ${presented}, which none of the ` +
        `${valid.length} key(s) known for it in ${where} matches. Someone may be intercepting the connection`
      );
    },
  };
}
