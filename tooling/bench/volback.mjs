// volback measured through its CLI process (the engine changes under the bench, the CLI contract
// does not): full backup, incremental backup of the changed copy, restore of the latest, verify.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sha256File, treeBytes } from './files.mjs';

/** Path of the CLI entry point (the bin users get), relative to the repository root. */
export const CLI = join(
  'packages/cli',
  JSON.parse(readFileSync(new URL('../../packages/cli/package.json', import.meta.url), 'utf8')).bin.volback,
);
/** One volume id for both images, so the changed copy's backup is an incremental of the first. */
const VOLUME_ID = '6a5c0b1e-0b3e-4c1d-9e5a-000000be4c40';
const STEPS = {
  full: { step: 'full backup', cache: 'warm' },
  incremental: { step: 'incremental backup', cache: 'warm' },
  restore: { step: 'restore latest', cache: 'cold' },
  verify: { step: 'verify latest', cache: 'cold' },
};

/** Step ids of one compression's volback measurements; `where` names a store other than posix. */
export const volbackIds = (compression, where = '') => {
  const base = where ? `volback.${where}.${compression}` : `volback.${compression}`;
  return { full: `${base}.full`, incremental: `${base}.incremental`, restore: `${base}.restore`, verify: `${base}.verify` };
};

/**
 * Measures one run of volback with `compression` into `rec`, storing to the posix driver under
 * `scratch` (emptied afterwards). `cli` is the absolute path of bin.js.
 */
export async function runVolback(rec, options) {
  const session = new VolbackSession(rec, options);
  try {
    await session.full();
    await session.incremental();
    await session.restore();
    await session.verify();
  } finally {
    session.cleanup();
  }
}

/**
 * volback's four steps for one compression, each after the one before (a step whose input
 * failed is recorded as skipped), so that the bench can put each next to its references.
 */
export class VolbackSession {
  /**
   * `remote`, when given, is the store instead of a directory under `scratch`:
   * `{ name, url, env, suffix }`, whose `suffix` goes after each step's name (e.g. "to S3").
   */
  constructor(rec, { w, scratch, cli, compression, remote = null }) {
    Object.assign(this, { rec, w, cli, compression, remote });
    this.ids = volbackIds(compression, remote?.name);
    this.dir = join(scratch, `volback-${remote ? `${remote.name}-` : ''}${compression}`);
    this.store = remote ? remote.url : join(this.dir, 'store');
    this.restored = join(this.dir, 'restored.img');
    mkdirSync(this.dir, { recursive: true });
    this.env = { ...process.env, ...remote?.env, VOLBACK_STATE_DIR: join(this.dir, 'state') };
    this.backupArgs = ['--to', this.store, '--compression', compression, '--volume-id', VOLUME_ID, '--json'];
    /** What the next steps need: the full backup's sample, then the latest backup's id. */
    this.fullSample = null;
    this.latest = null;
  }

  meta(key) {
    const { step, cache } = STEPS[key];
    const where = this.remote ? ` ${this.remote.suffix[key]}` : '';
    return { tool: 'volback', step: step + where, cache, compression: this.compression, volumeBytes: this.w.sizeBytes };
  }

  volback(...args) {
    return [process.execPath, this.cli, ...args];
  }

  /** Records `key` as skipped because an earlier step failed; true when it was. */
  skipped(key, needed) {
    if (needed) return false;
    this.rec.skip(this.ids[key], this.meta(key), 'an earlier volback step failed');
    return true;
  }

  async full() {
    const sample = await this.rec.step(this.ids.full, this.meta('full'), this.volback('backup', this.w.image, ...this.backupArgs), {
      env: this.env,
      warm: [this.w.image],
    });
    if (sample) sample.storedBytes = storedBytes(sample, this.store);
    this.fullSample = sample;
  }

  async incremental() {
    if (this.skipped('incremental', this.fullSample)) return;
    const argv = this.volback('backup', this.w.changed, ...this.backupArgs, '--incremental');
    const sample = await this.rec.step(this.ids.incremental, this.meta('incremental'), argv, { env: this.env, warm: [this.w.changed] });
    if (!sample) return;
    sample.storedBytes = storedBytes(sample, this.store, this.fullSample.storedBytes);
    const id = cliJson(sample).id;
    if (typeof id === 'string') this.latest = id;
    else this.rec.problem(this.ids.incremental, 'backup --json printed no id');
  }

  async restore() {
    if (this.skipped('restore', this.latest)) return;
    const argv = this.volback('restore', this.latest, this.restored, '--from', this.store);
    const sample = await this.rec.step(this.ids.restore, this.meta('restore'), argv, {
      env: this.env,
      cache: 'cold',
      warmup: this.warmup(),
    });
    if (sample && sha256File(this.restored) !== this.w.changedSha256)
      this.rec.problem(this.ids.restore, 'restored image differs from the changed image');
    rmSync(this.restored, { force: true });
  }

  async verify() {
    if (this.skipped('verify', this.latest)) return;
    const argv = this.volback('verify', this.latest, '--store', this.store);
    await this.rec.step(this.ids.verify, this.meta('verify'), argv, { env: this.env, cache: 'cold', warmup: this.warmup() });
  }

  /** Run unmeasured before a cold step: Node and the CLI load, the store's data stays cold. */
  warmup() {
    return this.volback('list', '--store', this.store, '--json');
  }

  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The CLI's own storedBytes when it prints one, else the growth of the store directory. */
export function storedBytes(sample, store, before = 0) {
  const n = cliJson(sample).storedBytes;
  return typeof n === 'number' ? n : treeBytes(store) - before;
}

/** What a `--json` command printed, or {} when it printed something else. */
function cliJson(sample) {
  try {
    return JSON.parse(sample.stdout) ?? {};
  } catch {
    return {};
  }
}
