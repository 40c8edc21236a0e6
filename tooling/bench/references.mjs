// The reference tools measured on the same files in the same run: cp + fsync (I/O ceiling, warm
// and cold), openssl's SHA-256 (hash ceiling), zstd -1 -T2 + fsync (compression ceiling) and,
// when installed, restic (a real backup tool: backup, second backup of the changed copy, restore).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { filesUnder, sha256File, treeBytes } from './files.mjs';
import { run } from './measure.mjs';

/** Which reference tools are installed, with their versions (null when absent). */
export async function detectTools() {
  const version = async (argv, pattern) => {
    const r = await run(argv).catch(() => null);
    if (r?.code !== 0) return null;
    return (pattern.exec(r.stdout + r.stderr)?.[1] ?? 'unknown').trim();
  };
  return {
    cp: await version(['cp', '--version'], /cp \(GNU coreutils\) (\S+)/),
    openssl: await version(['openssl', 'version'], /OpenSSL (\S+)/),
    zstd: await version(['zstd', '--version'], /v(\d[\w.]*)/),
    restic: await version(['restic', 'version'], /restic (\S+)/),
  };
}

// `sync FILE` fsyncs just that file, so other writers on the machine do not pad the figure.
const copyThenSync = (from, to) => ['sh', '-c', 'cp "$1" "$2" && sync "$2"', 'sh', from, to];

/**
 * The references one by one, so that the bench can measure each next to the volback step it is
 * compared with. `w` is the workload from generateWorkload; outputs go under `scratch`.
 */
export const references = {
  async cp(rec, { w, scratch }) {
    const out = join(scratch, 'ref-out');
    await rec.step('ref.cp', { tool: 'cp', step: 'copy + fsync', volumeBytes: w.sizeBytes }, copyThenSync(w.image, out), {
      warm: [w.image],
    });
    rmSync(out, { force: true });
  },

  async cpCold(rec, { w, scratch }) {
    const out = join(scratch, 'ref-out');
    const meta = { tool: 'cp', step: 'copy + fsync (cold)', volumeBytes: w.sizeBytes };
    await rec.step('ref.cp-cold', meta, copyThenSync(w.image, out), { cache: 'cold', warmup: ['cp', '--version'] });
    rmSync(out, { force: true });
  },

  async sha256(rec, { w, tools }) {
    const meta = { tool: 'openssl', step: 'dgst -sha256', volumeBytes: w.sizeBytes };
    if (tools.openssl) await rec.step('ref.sha256', meta, ['openssl', 'dgst', '-sha256', w.changed], { warm: [w.changed] });
    else rec.skip('ref.sha256', meta, 'openssl not installed');
  },

  async zstd(rec, { w, scratch, tools }) {
    const meta = { tool: 'zstd', step: 'zstd -1 -T2 + fsync', volumeBytes: w.sizeBytes };
    if (!tools.zstd) return rec.skip('ref.zstd', meta, 'zstd not installed');
    const out = join(scratch, 'ref-out');
    const argv = ['sh', '-c', 'zstd -q -f -1 -T2 "$1" -o "$2" && sync "$2"', 'sh', w.image, out];
    const sample = await rec.step('ref.zstd', meta, argv, { warm: [w.image] });
    if (sample) sample.storedBytes = treeBytes(out);
    rmSync(out, { force: true });
  },
};

/** restic's three steps (backup, backup of the changed copy, restore), each after the one before. */
export class ResticSession {
  constructor(rec, { w, scratch, tools }) {
    Object.assign(this, { rec, w, tools });
    const meta = (step) => ({ tool: 'restic', step, volumeBytes: w.sizeBytes });
    this.ids = {
      backup: ['ref.restic.backup', meta('backup')],
      backup2: ['ref.restic.backup2', meta('backup of the changed copy')],
      restore: ['ref.restic.restore', { ...meta('restore latest + fsync'), cache: 'cold' }],
    };
    this.dir = join(scratch, 'restic');
    this.repo = join(this.dir, 'repo');
    this.env = {
      ...process.env,
      RESTIC_PASSWORD: 'volback-bench',
      RESTIC_REPOSITORY: this.repo,
      RESTIC_CACHE_DIR: join(this.dir, 'cache'),
    };
    /** Why no step can run (reported as skipped), or null; and whether one step failed, which ends the rest. */
    this.blocked = tools.restic ? null : 'restic not installed';
    this.failed = false;
    this.firstBytes = 0;
  }

  async backup() {
    if (!this.blocked) {
      mkdirSync(this.dir, { recursive: true });
      const init = await run(['restic', 'init', '-q'], { env: this.env });
      if (init.code !== 0) this.blocked = `restic init failed: ${init.stderr.trim()}`;
    }
    const sample = await this.step('backup', ['restic', 'backup', '-q', this.w.image], { env: this.env, warm: [this.w.image] });
    if (sample) this.firstBytes = sample.storedBytes = treeBytes(this.repo);
  }

  async backup2() {
    const sample = await this.step('backup2', ['restic', 'backup', '-q', this.w.changed], { env: this.env, warm: [this.w.changed] });
    if (sample) sample.storedBytes = treeBytes(this.repo) - this.firstBytes;
  }

  async restore() {
    const target = join(this.dir, 'restored');
    // restic does not fsync what it restores; volback does, so the reference does too.
    const argv = ['sh', '-c', 'restic restore latest -q --target "$1" && find "$1" -type f -exec sync {} +', 'sh', target];
    const sample = await this.step('restore', argv, { env: this.env, cache: 'cold', warmup: ['restic', 'snapshots', '-q'] });
    if (sample) {
      const files = filesUnder(target);
      if (files.length !== 1 || sha256File(files[0]) !== this.w.changedSha256)
        this.rec.problem(this.ids.restore[0], 'restored file differs from the changed image');
    }
    rmSync(target, { recursive: true, force: true });
  }

  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }

  async step(key, argv, options) {
    const [id, meta] = this.ids[key];
    if (this.blocked) {
      this.rec.skip(id, meta, this.blocked);
      return null;
    }
    if (this.failed) return null; // the failed step carries the error
    const sample = await this.rec.step(id, meta, argv, options);
    if (!sample) this.failed = true;
    return sample;
  }
}
