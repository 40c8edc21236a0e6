import { expect, it } from 'vitest';
import { defineCliRoundTrip } from './store-round-trip.js';

const ports = (env: Record<string, string>) => `nfsport=${env['NFS_PORT']}&mountport=${env['MOUNT_PORT']}`;

// The NFS driver is not a dependency of the CLI: it is found in the workspace through its manifest.
// It speaks NFSv3 itself: nothing is mounted on this machine.
defineCliRoundTrip({
  title: 'volback with an nfs:// target',
  server: { label: 'ganesha', envPrefix: 'VOLBACK_TEST_NFS', required: ['HOST', 'NFS_PORT', 'MOUNT_PORT', 'EXPORT'], script: 'ganesha.sh' },
  target: (env, tag) => `nfs://${env['HOST']}${env['EXPORT']}/cli-${tag}?${ports(env)}&uid=0&gid=0`,
  prefix: /^volume_[0-9a-f-]{36}_\d{14}_backup_[0-9a-f-]{36}$/,
  more: (env, cli) => {
    it('fails with E_AUTH and exit status 8 when the server refuses to mount the export', async () => {
      const r = await cli(['list', '--store', `nfs://${env['HOST']}/not-exported?${ports(env)}`]);
      expect(r.code).toBe(8);
      expect(r.stderr).toMatch(/E_AUTH: nfs: .*refused to mount \/not-exported \(MNT3ERR_ACCES\)/);
    });
    it('fails with a transient E_BACKEND (exit 7) when nothing answers on the NFS port', async () => {
      const r = await cli(['list', '--store', `nfs://${env['HOST']}${env['EXPORT']}?nfsport=1&mountport=1`]);
      expect(r.code).toBe(7);
      expect(r.stderr).toMatch(/E_BACKEND: nfs: .*ECONNREFUSED/);
    });
  },
});
