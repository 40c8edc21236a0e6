// NFS: the tests' nfs-ganesha (NFSv3 over TCP, FSAL VFS), next to libnfs's nfs-cp of the same image
// to the same export and back (cold, + fsync). Its own ganesha on ports apart from the tests'
// (20490/20491), in its own servers directory: two ganeshas run side by side (each has its own pid
// file; rpcbind is only up while one starts), so the bench may run beside a test server.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sha256File } from '../files.mjs';

const NFS_PORT = '20590';
const MOUNT_PORT = '20591';

const query = (s) => `nfsport=${s.VOLBACK_TEST_NFS_NFS_PORT}&mountport=${s.VOLBACK_TEST_NFS_MOUNT_PORT}&uid=0&gid=0`;
const urlOf = (s, path) => `nfs://${s.VOLBACK_TEST_NFS_HOST}${s.VOLBACK_TEST_NFS_EXPORT}/${path}?${query(s)}`;

/** libnfs's nfs-cp as the reference: one file up, and down again. */
const nfsCp = {
  tool: 'nfs-cp',
  packages: ['libnfs-utils'],
  version: async () => {
    // `dpkg-query -W` prints "libnfs-utils<TAB>4.0.0-1".
    const r = spawnSync('dpkg-query', ['-W', 'libnfs-utils'], { encoding: 'utf8' });
    const present = spawnSync('sh', ['-c', 'command -v nfs-cp'], { encoding: 'utf8' }).status === 0;
    return present ? r.stdout.trim().split('\t')[1] || 'unknown' : null;
  },
  create: (rec, ctx, step, server, container) => new NfsCpSession(rec, ctx, step, server, container),
};

class NfsCpSession {
  constructor(rec, { w, scratch, tools }, { title, ids }, server, container) {
    Object.assign(this, { rec, w, title, ids, server, container, installed: Boolean(tools['nfs-cp']) });
    this.remote = urlOf(server, `${container}/volume.img`);
    this.downloaded = join(scratch, 'nfs-cp-download.img');
    this.uploaded = false;
  }

  async upload() {
    const meta = { tool: 'nfs-cp', step: `copy to ${this.title}`, volumeBytes: this.w.sizeBytes };
    if (!this.installed) return this.rec.skip(this.ids.upload, meta, 'nfs-cp not installed');
    // nfs-cp needs the target directory: made through the exported directory, outside the timing.
    mkdirSync(join(this.server.VOLBACK_TEST_NFS_EXPORT_DIR, this.container), { recursive: true });
    const sample = await this.rec.step(this.ids.upload, meta, ['nfs-cp', this.w.image, this.remote], { warm: [this.w.image] });
    if (sample) sample.storedBytes = this.w.sizeBytes;
    this.uploaded = sample !== null;
  }

  async download() {
    const meta = { tool: 'nfs-cp', step: `copy from ${this.title} + fsync`, cache: 'cold', volumeBytes: this.w.sizeBytes };
    if (!this.uploaded) return this.rec.skip(this.ids.download, meta, this.installed ? 'the upload failed' : 'nfs-cp not installed');
    const argv = ['sh', '-c', 'nfs-cp "$1" "$2" && sync "$2"', 'sh', this.remote, this.downloaded];
    const sample = await this.rec.step(this.ids.download, meta, argv, { cache: 'cold', warmup: ['nfs-ls', urlOf(this.server, '')] });
    if (sample && sha256File(this.downloaded) !== this.w.imageSha256)
      this.rec.problem(this.ids.download, 'downloaded file differs from the image');
    rmSync(this.downloaded, { force: true });
  }

  /** Removes a container's directory (volback's too) through the exported directory: each round starts empty. */
  async purge(container) {
    rmSync(join(this.server.VOLBACK_TEST_NFS_EXPORT_DIR, container), { recursive: true, force: true });
  }
}

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
