import { readFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import ssh2, { type ConnectConfig } from 'ssh2';
import { isMissingErrno, type StoreErrors } from '@volback/core/driver';

/** How the connection logs in, resolved once: a key, an agent, a password. Never printed. */
export interface LoginCredentials {
  readonly username: string;
  /** The methods offered, for a refused login's message: `publickey (~/.ssh/id_ed25519)`, `agent`, `password`. */
  readonly methods: readonly string[];
  readonly connectOptions: Pick<ConnectConfig, 'username' | 'privateKey' | 'passphrase' | 'agent' | 'password'>;
}

/** What the config and environment say about logging in. */
export interface LoginSettings {
  readonly username?: string | undefined;
  readonly identity?: string | undefined;
  readonly passphrase?: string | undefined;
  readonly password?: string | undefined;
  readonly agent?: string | undefined;
}

/** The keys OpenSSH tries when none is named, in its order. */
const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/**
 * The credentials of `settings`, env fallbacks applied (VOLBACK_SFTP_PASSWORD,
 * VOLBACK_SFTP_PASSPHRASE, SSH_AUTH_SOCK). A named identity must be readable and decrypt with
 * its passphrase; with no identity named, the first of ~/.ssh/id_{ed25519,ecdsa,rsa} that
 * exists is offered (skipped when it is encrypted and no passphrase is given).
 */
export async function loginCredentials(errors: StoreErrors, settings: LoginSettings, env = process.env): Promise<LoginCredentials> {
  const username = settings.username ?? userInfo().username;
  const passphrase = settings.passphrase ?? env['VOLBACK_SFTP_PASSPHRASE'];
  const password = settings.password ?? env['VOLBACK_SFTP_PASSWORD'];
  const agent = settings.agent === 'none' ? undefined : (settings.agent ?? env['SSH_AUTH_SOCK']);
  const methods: string[] = [];
  const options: LoginCredentials['connectOptions'] & { username: string } = { username };

  const key = settings.identity !== undefined ? await namedKey(errors, settings.identity, passphrase) : await defaultKey(passphrase);
  if (key !== undefined) {
    options.privateKey = key.data;
    if (passphrase !== undefined) options.passphrase = passphrase;
    methods.push(`publickey (${key.file})`);
  }
  if (agent !== undefined && agent !== '') {
    options.agent = agent;
    methods.push('agent');
  }
  if (password !== undefined) {
    options.password = password;
    methods.push('password');
  }
  if (methods.length === 0) {
    throw errors.config(
      'no way to log in: give identity (a private key file), password (or VOLBACK_SFTP_PASSWORD), or run an ssh-agent (SSH_AUTH_SOCK)',
      'identity',
    );
  }
  return { username, methods, connectOptions: options };
}

async function namedKey(errors: StoreErrors, file: string, passphrase: string | undefined): Promise<{ file: string; data: Buffer }> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    throw errors.config(`cannot read the identity file ${file}: ${(err as Error).message}`, 'identity', err);
  }
  const parsed = ssh2.utils.parseKey(data, passphrase);
  if (parsed instanceof Error) {
    if (/no passphrase/i.test(parsed.message)) {
      throw errors.config(`the identity ${file} is encrypted: give its passphrase (passphrase or VOLBACK_SFTP_PASSPHRASE)`, 'passphrase');
    }
    if (passphrase !== undefined && /decrypt|passphrase|bad/i.test(parsed.message)) {
      throw errors.auth(`cannot decrypt the identity ${file}: wrong passphrase`);
    }
    throw errors.config(`the identity ${file} is not a private key ssh2 can read: ${parsed.message}`, 'identity');
  }
  return { file, data };
}

async function defaultKey(passphrase: string | undefined): Promise<{ file: string; data: Buffer } | undefined> {
  for (const name of DEFAULT_IDENTITIES) {
    const file = join(homedir(), '.ssh', name);
    const data = await readFile(file).catch((err: unknown) => {
      if (isMissingErrno(err) || (err as { code?: unknown }).code === 'EACCES') return undefined;
      throw err;
    });
    if (data !== undefined && !(ssh2.utils.parseKey(data, passphrase) instanceof Error)) return { file, data };
  }
  return undefined;
}
