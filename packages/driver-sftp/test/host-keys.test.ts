import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { configFor, describeWithSshd, freshRoot, roundTripError } from './sftp-server.js';

/** A fresh ed25519 public key line (`ssh-ed25519 AAAA…`), not the server's. */
function otherPublicKey(dir: string): string {
  const file = join(dir, `other-${Math.random().toString(36).slice(2)}`);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  return execFileSync('cut', ['-d', ' ', '-f1,2', `${file}.pub`])
    .toString()
    .trim();
}

describeWithSshd('host key checks', (server) => {
  let dir: string;
  let serverKeyLine: string;
  const name = () => `[${server.host}]:${server.port}`;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'volback-sftp-hostkeys-'));
    serverKeyLine = (await readFile(server.knownHosts, 'utf8')).trim();
  });

  const tryWrite = (root: string, extra: Parameters<typeof configFor>[2]) => roundTripError(configFor(server, root, extra));

  it('writes through a store whose pinned SHA256 fingerprint is the server key', async () => {
    const root = await freshRoot(server, 'pinned-ok');
    expect(await tryWrite(root, { knownHosts: undefined, hostKey: server.hostKeySha256 })).toBeUndefined();
    expect(await readFile(join(root, 'c', 'o'))).toEqual(Buffer.from([1, 2, 3]));
  });

  it('refuses a wrong pinned fingerprint with E_AUTH naming the presented one, and writes nothing', async () => {
    const root = await freshRoot(server, 'pinned-wrong');
    const err = await tryWrite(root, { knownHosts: undefined, hostKey: `SHA256:${'x'.repeat(43)}` });
    expect(err).toMatchObject({ code: 'E_AUTH' });
    expect((err as Error).message).toContain(`presented ssh-ed25519 ${server.hostKeySha256}`);
    expect(await readdir(root)).toEqual([]);
  });

  it('refuses an unknown host (no entry in known_hosts) before logging in, and writes nothing', async () => {
    const root = await freshRoot(server, 'unknown');
    const file = join(dir, 'unknown_hosts');
    await writeFile(file, `# nothing for ${name()}\nother.example ${otherPublicKey(dir)}\n`);
    const err = await tryWrite(root, { knownHosts: file });
    expect(err).toMatchObject({ code: 'E_AUTH' });
    expect((err as Error).message).toMatch(/is not a known host/);
    expect((err as Error).message).toContain(server.hostKeySha256);
    expect(await readdir(root)).toEqual([]);
  });

  it('refuses a changed host key (another key known for the host) and says so', async () => {
    const root = await freshRoot(server, 'changed');
    const file = join(dir, 'changed_hosts');
    await writeFile(file, `${name()} ${otherPublicKey(dir)}\n`);
    const err = await tryWrite(root, { knownHosts: file });
    expect(err).toMatchObject({ code: 'E_AUTH' });
    expect((err as Error).message).toMatch(/has CHANGED/);
    expect((err as Error).message).toContain(server.hostKeySha256);
    expect(await readdir(root)).toEqual([]);
  });

  it('refuses a key marked @revoked even when it is also listed as valid', async () => {
    const root = await freshRoot(server, 'revoked');
    const file = join(dir, 'revoked_hosts');
    await writeFile(file, `${serverKeyLine}\n@revoked * ${serverKeyLine.split(' ').slice(1).join(' ')}\n`);
    const err = await tryWrite(root, { knownHosts: file });
    expect(err).toMatchObject({ code: 'E_AUTH' });
    expect((err as Error).message).toMatch(/@revoked/);
  });

  it('accepts a hashed entry as ssh-keygen -H writes it', async () => {
    const file = join(dir, 'hashed_hosts');
    await writeFile(file, `${serverKeyLine}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file]);
    const hashed = await readFile(file, 'utf8');
    expect(hashed).toMatch(/^\|1\|/);
    expect(hashed).not.toContain(server.host);
    const root = await freshRoot(server, 'hashed');
    expect(await tryWrite(root, { knownHosts: file })).toBeUndefined();
  });

  it('accepts a wildcard entry among other keys, and a negated pattern excludes it', async () => {
    const key = serverKeyLine.split(' ').slice(1).join(' ');
    const file = join(dir, 'wild_hosts');
    await writeFile(file, `other.example ${otherPublicKey(dir)}\n[127.0.0.?]:${server.port},[*]:${server.port} ${key}\n`);
    expect(await tryWrite(await freshRoot(server, 'wild'), { knownHosts: file })).toBeUndefined();
    await writeFile(file, `[*]:${server.port},!${name()} ${key}\n`);
    expect(await tryWrite(await freshRoot(server, 'negated'), { knownHosts: file })).toMatchObject({ code: 'E_AUTH' });
  });

  it('reads ~/.ssh/known_hosts when no knownHosts is given (HOME points at a test directory)', async () => {
    const home = await mkdtemp(join(dir, 'home-'));
    const saved = process.env['HOME'];
    process.env['HOME'] = home;
    try {
      const root = await freshRoot(server, 'home');
      expect(await tryWrite(root, { knownHosts: undefined })).toMatchObject({ code: 'E_AUTH' });
      execFileSync('mkdir', ['-p', join(home, '.ssh')]);
      await writeFile(join(home, '.ssh', 'known_hosts'), `${serverKeyLine}\n`);
      expect(await tryWrite(root, { knownHosts: undefined })).toBeUndefined();
    } finally {
      process.env['HOME'] = saved;
    }
  });

  it('fails with E_CONFIG when the named known_hosts file is missing', async () => {
    const err = await tryWrite(await freshRoot(server, 'nofile'), { knownHosts: join(dir, 'missing') });
    expect(err).toMatchObject({ code: 'E_CONFIG' });
  });
});
