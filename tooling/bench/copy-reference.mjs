// A copy tool as a remote's reference (rclone, nfs-cp): the image copied up, then down (cold, +
// fsync) and compared with the image. The tool's own part is a plan: how to prepare a container,
// the two copy commands, an unmeasured warm-up, and how to empty a container afterwards.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { sha256File } from './files.mjs';

/**
 * @typedef {object} CopyPlan
 * @property {Record<string, string>} [env]  the tool's environment
 * @property {() => Promise<string | null>} [prepare]  readies the container; a string is why the upload is skipped
 * @property {(image: string) => string[]} upload
 * @property {(dest: string) => string[]} download
 * @property {string[]} warmup  run unmeasured before the cold download: the tool loads, the data stays cold
 * @property {(container: string) => Promise<void>} purge  empties and removes a container (volback's too)
 */

/**
 * The reference of tooling/bench/remotes.mjs for a copy tool: `plan(server, container)` gives a
 * round's {@link CopyPlan}.
 */
export function copyReference({ tool, packages, version, plan }) {
  return {
    tool,
    packages,
    version,
    create: (rec, ctx, step, server, container) => new CopySession(rec, ctx, step, tool, plan(server, container)),
  };
}

class CopySession {
  constructor(rec, { w, scratch, tools }, { title, ids }, tool, plan) {
    Object.assign(this, { rec, w, title, ids, tool, plan, installed: Boolean(tools[tool]) });
    this.downloaded = join(scratch, `${tool}-download.img`);
    this.uploaded = false;
  }

  async upload() {
    const meta = { tool: this.tool, step: `copy to ${this.title}`, volumeBytes: this.w.sizeBytes };
    if (!this.installed) return this.rec.skip(this.ids.upload, meta, `${this.tool} not installed`);
    const why = (await this.plan.prepare?.()) ?? null;
    if (why) return this.rec.skip(this.ids.upload, meta, why);
    const sample = await this.rec.step(this.ids.upload, meta, this.plan.upload(this.w.image), { env: this.plan.env, warm: [this.w.image] });
    if (sample) sample.storedBytes = this.w.sizeBytes;
    this.uploaded = sample !== null;
  }

  async download() {
    const meta = { tool: this.tool, step: `copy from ${this.title} + fsync`, cache: 'cold', volumeBytes: this.w.sizeBytes };
    if (!this.uploaded) return this.rec.skip(this.ids.download, meta, this.installed ? 'the upload failed' : `${this.tool} not installed`);
    // `sync FILE` fsyncs just that file, so other writers on the machine do not pad the figure.
    const argv = ['sh', '-c', '"$@" && sync "$0"', this.downloaded, ...this.plan.download(this.downloaded)];
    const sample = await this.rec.step(this.ids.download, meta, argv, { env: this.plan.env, cache: 'cold', warmup: this.plan.warmup });
    if (sample && sha256File(this.downloaded) !== this.w.imageSha256)
      this.rec.problem(this.ids.download, 'downloaded file differs from the image');
    rmSync(this.downloaded, { force: true });
  }

  async purge(container) {
    if (this.installed) await this.plan.purge(container).catch(() => undefined);
  }
}
