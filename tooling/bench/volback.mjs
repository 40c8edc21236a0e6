// volback measured through its CLI process (the engine changes under the bench, the CLI contract
// does not): full backup, incremental backup of the changed copy, restore of the latest, verify.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sha256File, treeBytes } from './files.mjs';

/** Path of the CLI entry point (the bin users get), relative to the repository root. */
export const CLI = join('packages/cli', JSON.parse(readFileSync(new URL('../../packages/cli/package.json', import.meta.url), 'utf8')).bin.volback);
/** One volume id for both images, so the changed copy's backup is an incremental of the first. */
const VOLUME_ID = '6a5c0b1e-0b3e-4c1d-9e5a-000000be4c40';
const STEPS = {
  full: { step: 'full backup', cache: 'warm' },
  incremental: { step: 'incremental backup', cache: 'warm' },
  restore: { step: 'restore latest', cache: 'cold' },
  verify: { step: 'verify latest', cache: 'cold' },
};

/** Step ids of one compression's volback measurements. */
export const volbackIds = (compression) => ({
  full: `volback.${compression}.full`,
  incremental: `volback.${compression}.incremental`,
  restore: `volback.${compression}.restore`,
  verify: `volback.${compression}.verify`,
});

/**
 * Measures one run of volback with `compression` into `rec`, storing to the posix driver under
 * `scratch` (emptied afterwards). `cli` is the absolute path of bin.js.
 */
export async function runVolback(rec, { w, scratch, cli, compression }) {
  const ids = volbackIds(compression);
  const meta = (key) => ({ tool: 'volback', ...STEPS[key], compression, volumeBytes: w.sizeBytes });
  const dir = join(scratch, `volback-${compression}`);
  const store = join(dir, 'store');
  const restored = join(dir, 'restored.img');
  mkdirSync(dir, { recursive: true });
  const env = { ...process.env, VOLBACK_STATE_DIR: join(dir, 'state') };
  const volback = (...args) => [process.execPath, cli, ...args];
  const backupArgs = ['--to', store, '--compression', compression, '--volume-id', VOLUME_ID, '--json'];
  try {
    const full = await rec.step(ids.full, meta('full'), volback('backup', w.image, ...backupArgs), { env, warm: [w.image] });
    if (!full) return skipRest(rec, ids, meta, ['incremental', 'restore', 'verify']);
    full.storedBytes = storedBytes(full, store);

    const incr = await rec.step(ids.incremental, meta('incremental'), volback('backup', w.changed, ...backupArgs, '--incremental'), {
      env,
      warm: [w.changed],
    });
    if (!incr) return skipRest(rec, ids, meta, ['restore', 'verify']);
    incr.storedBytes = storedBytes(incr, store, full.storedBytes);
    const latest = cliJson(incr).id;
    if (typeof latest !== 'string') {
      rec.problem(ids.incremental, 'backup --json printed no id');
      return skipRest(rec, ids, meta, ['restore', 'verify']);
    }

    const warmup = volback('list', '--store', store, '--json');
    const restore = await rec.step(ids.restore, meta('restore'), volback('restore', latest, restored, '--from', store), {
      env,
      cache: 'cold',
      warmup,
    });
    if (restore && sha256File(restored) !== w.changedSha256) rec.problem(ids.restore, 'restored image differs from the changed image');
    rmSync(restored, { force: true });

    await rec.step(ids.verify, meta('verify'), volback('verify', latest, '--store', store), { env, cache: 'cold', warmup });
  } finally {
    rmSync(dir, { recursive: true, force: true });
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

function skipRest(rec, ids, meta, steps) {
  for (const s of steps) rec.skip(ids[s], meta(s), 'an earlier volback step failed');
}
