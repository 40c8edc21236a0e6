import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sftpDriverPlugin } from '../src/index.js';
import { configFor, describeWithSshd, freshRoot, roundTripError } from './sftp-server.js';

const PASSPHRASE = 'correct horse do-not-print';

describeWithSshd('logging in', (server) => {
  let dir: string;
  let lockedKey: string;
  let agentKey: string;
  let agent: ChildProcess | undefined;
  let agentSocket: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'volback-sftp-login-'));
    lockedKey = join(dir, 'locked_key');
    agentKey = join(dir, 'agent_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASSPHRASE, '-f', lockedKey]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', agentKey]);
    // The server reads authorized_keys at each login: these keys log in from now on.
    const authorized = join(dirname(server.identity), 'authorized_keys');
    await appendFile(authorized, (await readFile(`${lockedKey}.pub`, 'utf8')) + (await readFile(`${agentKey}.pub`, 'utf8')));
    agentSocket = join(dir, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', agentSocket], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try {
        execFileSync('ssh-add', [agentKey], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket }, stdio: 'ignore' });
        break;
      } catch {
        await sleep(50);
      }
    }
  });
  afterAll(() => {
    agent?.kill();
  });

  const probe = async (extra: Parameters<typeof configFor>[2]) =>
    roundTripError(configFor(server, await freshRoot(server, 'login'), extra));

  it('logs in with an encrypted private key and its passphrase', async () => {
    expect(await probe({ identity: lockedKey, passphrase: PASSPHRASE })).toBeUndefined();
  });

  it('takes the passphrase from VOLBACK_SFTP_PASSPHRASE', async () => {
    process.env['VOLBACK_SFTP_PASSPHRASE'] = PASSPHRASE;
    try {
      expect(await probe({ identity: lockedKey })).toBeUndefined();
    } finally {
      delete process.env['VOLBACK_SFTP_PASSPHRASE'];
    }
  });

  it('asks for the passphrase of an encrypted key (E_CONFIG), and refuses a wrong one (E_AUTH) without printing it', async () => {
    expect(await probe({ identity: lockedKey })).toMatchObject({ code: 'E_CONFIG', field: 'passphrase' });
    const err = await probe({ identity: lockedKey, passphrase: 'wrong-do-not-print' });
    expect(err).toMatchObject({ code: 'E_AUTH' });
    expect(String((err as Error).message)).not.toContain('wrong-do-not-print');
  });

  it('logs in through ssh-agent (agent socket given, and SSH_AUTH_SOCK)', async () => {
    expect(await probe({ identity: undefined, agent: agentSocket })).toBeUndefined();
    const saved = process.env['SSH_AUTH_SOCK'];
    process.env['SSH_AUTH_SOCK'] = agentSocket;
    try {
      expect(await probe({ identity: undefined, agent: undefined })).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env['SSH_AUTH_SOCK'];
      else process.env['SSH_AUTH_SOCK'] = saved;
    }
  });

  it('fails with E_AUTH when the server refuses every method offered (a key it does not know, a password)', async () => {
    const stranger = join(dir, 'stranger_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const err = await probe({ identity: stranger, password: 'pw-do-not-print' });
    expect(err).toMatchObject({ code: 'E_AUTH' });
    expect((err as Error).message).toMatch(/refused the login of root@.*publickey .*password/);
    expect((err as Error).message).not.toContain('pw-do-not-print');
  });

  it('marks password and passphrase secret in its schema', () => {
    const properties = (sftpDriverPlugin.configSchema as { properties: Record<string, { secret?: boolean }> }).properties;
    expect(properties['password']?.secret).toBe(true);
    expect(properties['passphrase']?.secret).toBe(true);
  });
});
