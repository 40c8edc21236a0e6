import { DriverRegistry, redactConfig, redactTarget } from '@volback/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePluginPackageChecks } from '@volback/conformance';
import plugin from '../src/index.js';

const FINGERPRINT = `SHA256:${'a1B2+/'.repeat(7)}c`;

async function configOf(target: string): Promise<Record<string, unknown>> {
  const registry = new DriverRegistry();
  registry.register(plugin);
  const resolved = await registry.resolveTarget(target, { discover: false });
  if (resolved.kind === 'store') await resolved.store.close?.();
  return resolved.config as Record<string, unknown>;
}

describe('sftp driver plugin', () => {
  it('reads user, host, port, path and query of an sftp: URL', async () => {
    const config = await configOf(
      'sftp://backup@nas.example:2022/srv/cinder%20backups?identity=/keys/id&knownHosts=/keys/kh&connections=2',
    );
    expect(config).toMatchObject({
      username: 'backup',
      host: 'nas.example',
      port: 2022,
      root: '/srv/cinder backups',
      identity: '/keys/id',
      knownHosts: '/keys/kh',
      connections: 2,
      fileMode: 0o660,
      dirMode: 0o770,
      fsync: true,
    });
  });

  it('defaults to port 22 and takes a pinned SHA256 host key', async () => {
    const config = await configOf(`sftp://h/b?hostKey=${encodeURIComponent(FINGERPRINT)}`);
    expect(config).toMatchObject({ host: 'h', port: 22, root: '/b', hostKey: FINGERPRINT });
  });

  it('refuses a host key that is no SHA256 fingerprint, and unknown fields, as E_CONFIG', async () => {
    await expect(configOf('sftp://h/b?hostKey=MD5:aa:bb')).rejects.toMatchObject({ code: 'E_CONFIG' });
    await expect(configOf('sftp://h/b?hostkey=x')).rejects.toMatchObject({ code: 'E_CONFIG' });
    await expect(configOf('sftp://h/b?connections=0')).rejects.toMatchObject({ code: 'E_CONFIG' });
  });

  it('never shows the password or passphrase: the URL and the config are redacted', () => {
    const url = 'sftp://u:hunter2-secret@h/b?passphrase=pass-secret';
    const shown = redactTarget(url, plugin.configSchema);
    expect(shown).not.toContain('hunter2-secret');
    expect(shown).not.toContain('pass-secret');
    const config = redactConfig({ host: 'h', root: '/b', password: 'hunter2-secret', passphrase: 'pass-secret' }, plugin.configSchema);
    expect(JSON.stringify(config)).not.toMatch(/hunter2-secret|pass-secret/);
  });

  it('takes the password from the URL into the config (redacted when shown)', async () => {
    expect(await configOf('sftp://u:pw@h/b')).toMatchObject({ username: 'u', password: 'pw' });
  });
});

// The package as hosts meet it: manifest, built entry, config schema.
definePluginPackageChecks({ describe, it, expect, beforeAll, afterAll }, new URL('..', import.meta.url));
