// NFS: the tests' nfs-ganesha (NFSv3 over TCP, FSAL VFS), next to libnfs's nfs-cp of the same image
// to the same export and back (cold, + fsync). Its own ganesha on ports apart from the tests'
// (20490/20491), in its own servers directory: two ganeshas run side by side (each has its own pid
// file; rpcbind is only up while one starts), so the bench may run beside a test server.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { copyReference } from '../copy-reference.mjs';

const NFS_PORT = '20590';
const MOUNT_PORT = '20591';

const query = (s) => `nfsport=${s.VOLBACK_TEST_NFS_NFS_PORT}&mountport=${s.VOLBACK_TEST_NFS_MOUNT_PORT}&uid=0&gid=0`;
const urlOf = (s, path) => `nfs://${s.VOLBACK_TEST_NFS_HOST}${s.VOLBACK_TEST_NFS_EXPORT}/${path}?${query(s)}`;

/** libnfs's nfs-cp as the reference: one file up, and down again. */
const nfsCp = copyReference({
  tool: 'nfs-cp',
  packages: ['libnfs-utils'],
  version: async () => {
    // `dpkg-query -W` prints "libnfs-utils<TAB>4.0.0-1".
    const r = spawnSync('dpkg-query', ['-W', 'libnfs-utils'], { encoding: 'utf8' });
    const present = spawnSync('sh', ['-c', 'command -v nfs-cp'], { encoding: 'utf8' }).status === 0;
    return present ? r.stdout.trim().split('\t')[1] || 'unknown' : null;
  },
  plan: (server, container) => {
    const remote = urlOf(server, `${container}/volume.img`);
    // Containers are made and removed through the exported directory, outside the timing.
    const dirOf = (c) => join(server.VOLBACK_TEST_NFS_EXPORT_DIR, c);
    return {
      prepare: async () => {
        // nfs-cp needs the target directory.
        mkdirSync(dirOf(container), { recursive: true });
        return null;
      },
      upload: (image) => ['nfs-cp', image, remote],
      download: (dest) => ['nfs-cp', remote, dest],
      warmup: ['nfs-ls', urlOf(server, '')],
      purge: async (c) => rmSync(dirOf(c), { recursive: true, force: true }),
    };
  },
});

/** @type {import('../remotes.mjs').BenchRemote} */
export default {
  name: 'nfs',
  title: 'NFS',
  server: { script: 'ganesha', env: { VOLBACK_GANESHA_NFS_PORT: NFS_PORT, VOLBACK_GANESHA_MOUNT_PORT: MOUNT_PORT } },
  label: () => 'nfs-ganesha 4.3 (NFSv3, FSAL VFS)',
  volback: (s, container) => ({ url: urlOf(s, container) }),
  reference: nfsCp,
  goals: { full: 1.5, restore: 1.2 },
};
