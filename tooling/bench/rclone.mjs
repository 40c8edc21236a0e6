// rclone as the reference of a remote store: the image copied up with `rclone copyto`, then down
// (cold, + fsync), configured through its environment only (no config file is read or written).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { sha256File } from './files.mjs';
import { run } from './measure.mjs';

const REMOTE = 'vbbench';

/**
 * The reference a remote descriptor names as `reference: rclone((server) => config)`, where
 * `config` is rclone's backend options for that server (`{ type: 's3', provider: 'Other', … }`,
 * the keys of `rclone config`), written as RCLONE_CONFIG_VBBENCH_<KEY>.
 */
export function rclone(configFor) {
  return {
    tool: 'rclone',
    packages: ['rclone'],
    version: async () => {
      const r = await run(['rclone', 'version']).catch(() => null);
      return r?.code === 0 ? (/rclone v?(\S+)/.exec(r.stdout)?.[1] ?? 'unknown') : null;
    },
    create: (rec, ctx, step, server, container) => new RcloneSession(rec, ctx, step, configFor(server), container),
  };
}

class RcloneSession {
  /** `step`: `{ title, ids: { upload, download } }`, the remote's name in step names and the ids to record under. */
  constructor(rec, { w, scratch, tools }, { title, ids }, config, container) {
    Object.assign(this, { rec, w, title, ids, container, installed: Boolean(tools.rclone) });
    this.env = { ...process.env, RCLONE_CONFIG: '/dev/null' };
    for (const [key, value] of Object.entries(config))
      this.env[`RCLONE_CONFIG_${REMOTE.toUpperCase()}_${key.toUpperCase()}`] = String(value);
    // rclone 1.60 fails on any AWS_CA_BUNDLE ("unsupported transport"); the test servers are plain http.
    delete this.env.AWS_CA_BUNDLE;
    this.object = `${REMOTE}:${container}/volume.img`;
    this.downloaded = join(scratch, 'rclone-download.img');
    this.uploaded = false;
  }

  async upload() {
    const meta = { tool: 'rclone', step: `copy to ${this.title}`, volumeBytes: this.w.sizeBytes };
    if (!this.installed) return this.rec.skip(this.ids.upload, meta, 'rclone not installed');
    const made = await run(['rclone', 'mkdir', `${REMOTE}:${this.container}`], { env: this.env });
    if (made.code !== 0) return this.rec.skip(this.ids.upload, meta, `rclone mkdir failed: ${made.stderr.trim()}`);
    const sample = await this.rec.step(this.ids.upload, meta, ['rclone', 'copyto', this.w.image, this.object], {
      env: this.env,
      warm: [this.w.image],
    });
    if (sample) sample.storedBytes = this.w.sizeBytes;
    this.uploaded = sample !== null;
  }

  async download() {
    const meta = { tool: 'rclone', step: `copy from ${this.title} + fsync`, cache: 'cold', volumeBytes: this.w.sizeBytes };
    if (!this.uploaded) return this.rec.skip(this.ids.download, meta, this.installed ? 'the upload failed' : 'rclone not installed');
    const argv = ['sh', '-c', 'rclone copyto "$1" "$2" && sync "$2"', 'sh', this.object, this.downloaded];
    const sample = await this.rec.step(this.ids.download, meta, argv, { env: this.env, cache: 'cold', warmup: ['rclone', 'version'] });
    if (sample && sha256File(this.downloaded) !== this.w.imageSha256)
      this.rec.problem(this.ids.download, 'downloaded file differs from the image');
    rmSync(this.downloaded, { force: true });
  }

  /** Empties and removes a container (volback's too): each round starts from an empty server. */
  async purge(container) {
    if (this.installed) await run(['rclone', 'purge', `${REMOTE}:${container}`], { env: this.env }).catch(() => undefined);
  }
}
