import { mkdtemp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { defineCliRoundTrip } from './store-round-trip.js';

/** `sftp://` on the test sshd, root `dir`; the host key checked against the server's known_hosts, never ~/.ssh. */
function sftpUrl(env: Record<string, string>, dir: string, query: Record<string, string> = {}): string {
  const check: Record<string, string> = query['hostKey'] === undefined ? { knownHosts: env['KNOWN_HOSTS']! } : {};
  const params = new URLSearchParams({ identity: env['IDENTITY']!, ...check, agent: 'none', ...query });
  return `sftp://${env['USER']}@${env['HOST']}:${env['PORT']}${dir}?${params}`;
}

// The SFTP driver is not a dependency of the CLI: it is found in the workspace through its manifest.
defineCliRoundTrip({
  title: 'volback with an sftp:// target',
  server: {
    label: 'openssh',
    envPrefix: 'VOLBACK_TEST_SFTP',
    required: ['HOST', 'PORT', 'USER', 'IDENTITY', 'KNOWN_HOSTS', 'HOST_KEY_SHA256', 'ROOT'],
    script: 'sshd.sh',
  },
  target: (env, tag) => sftpUrl(env, `${env['ROOT']}/cli-${tag}`),
  prefix: /^volume_[0-9a-f-]{36}_\d{14}_backup_[0-9a-f-]{36}$/,
  more: (env, cli) => {
    it('refuses a server whose host key is not the pinned one: E_AUTH, exit 8, the presented fingerprint shown, nothing written', async () => {
      const dir = await mkdtemp(join(env['ROOT']!, 'cli-pinned-'));
      const wrong = `SHA256:${'A'.repeat(43)}`;
      const r = await cli(['list', '--store', sftpUrl(env, `${dir}/store`, { hostKey: wrong })]);
      expect(r.code, r.stderr).toBe(8);
      expect(r.stderr).toMatch(/E_AUTH: sftp: .*does not match the pinned hostKey/);
      expect(r.stderr).toContain(env['HOST_KEY_SHA256']!);
      expect(await readdir(dir)).toEqual([]);
    });

    it('fails with E_AUTH and exit status 8 on a refused login, and prints no password', async () => {
      const url = `sftp://${env['USER']}:wrong-password-do-not-print@${env['HOST']}:${env['PORT']}${env['ROOT']}/cli-auth?${new URLSearchParams({ knownHosts: env['KNOWN_HOSTS']!, agent: 'none' })}`;
      const r = await cli(['list', '--store', url]);
      expect(r.code, r.stderr).toBe(8);
      expect(r.stderr).toMatch(/E_AUTH: sftp: the server refused the login of root@/);
      expect(r.stdout + r.stderr).not.toContain('wrong-password-do-not-print');
    });
  },
});
