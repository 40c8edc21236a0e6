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
    if (!r || r.code !== 0) return null;
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
 * Measures one run of every reference into `rec`, using `scratch` (emptied afterwards).
 * `w` is the workload from generateWorkload.
 */
export async function runReferences(rec, { w, scratch, tools }) {
  const bytes = w.sizeBytes;
  const out = join(scratch, 'ref-out');

  const cp = { tool: 'cp', step: 'copy + fsync', volumeBytes: bytes };
  await rec.step('ref.cp', cp, copyThenSync(w.image, out), { warm: [w.image] });
  rmSync(out, { force: true });
  await rec.step('ref.cp-cold', { ...cp, step: 'copy + fsync (cold)' }, copyThenSync(w.image, out), {
    cache: 'cold',
    warmup: ['cp', '--version'],
  });
  rmSync(out, { force: true });

  const sha = { tool: 'openssl', step: 'dgst -sha256', volumeBytes: bytes };
  if (tools.openssl) await rec.step('ref.sha256', sha, ['openssl', 'dgst', '-sha256', w.changed], { warm: [w.changed] });
  else rec.skip('ref.sha256', sha, 'openssl not installed');

  const zstd = { tool: 'zstd', step: 'zstd -1 -T2 + fsync', volumeBytes: bytes };
  if (tools.zstd) {
    const argv = ['sh', '-c', 'zstd -q -f -1 -T2 "$1" -o "$2" && sync "$2"', 'sh', w.image, out];
    const sample = await rec.step('ref.zstd', zstd, argv, { warm: [w.image] });
    if (sample) sample.storedBytes = treeBytes(out);
    rmSync(out, { force: true });
  } else rec.skip('ref.zstd', zstd, 'zstd not installed');

  await runRestic(rec, { w, scratch, tools });
}

async function runRestic(rec, { w, scratch, tools }) {
  const meta = (step) => ({ tool: 'restic', step, volumeBytes: w.sizeBytes });
  const ids = [
    ['ref.restic.backup', meta('backup')],
    ['ref.restic.backup2', meta('backup of the changed copy')],
    ['ref.restic.restore', { ...meta('restore latest + fsync'), cache: 'cold' }],
  ];
  if (!tools.restic) {
    for (const [id, m] of ids) rec.skip(id, m, 'restic not installed');
    return;
  }
  const dir = join(scratch, 'restic');
  const repo = join(dir, 'repo');
  const target = join(dir, 'restored');
  mkdirSync(dir, { recursive: true });
  const env = { ...process.env, RESTIC_PASSWORD: 'volback-bench', RESTIC_REPOSITORY: repo, RESTIC_CACHE_DIR: join(dir, 'cache') };
  try {
    const init = await run(['restic', 'init', '-q'], { env });
    if (init.code !== 0) {
      for (const [id, m] of ids) rec.skip(id, m, `restic init failed: ${init.stderr.trim()}`);
      return;
    }
    const first = await rec.step(ids[0][0], ids[0][1], ['restic', 'backup', '-q', w.image], { env, warm: [w.image] });
    if (!first) return;
    first.storedBytes = treeBytes(repo);
    const second = await rec.step(ids[1][0], ids[1][1], ['restic', 'backup', '-q', w.changed], { env, warm: [w.changed] });
    if (!second) return;
    second.storedBytes = treeBytes(repo) - first.storedBytes;
    // restic does not fsync what it restores; volback does, so the reference does too.
    const restore = ['sh', '-c', 'restic restore latest -q --target "$1" && find "$1" -type f -exec sync {} +', 'sh', target];
    const restored = await rec.step(ids[2][0], ids[2][1], restore, { env, cache: 'cold', warmup: ['restic', 'snapshots', '-q'] });
    if (restored) {
      const files = filesUnder(target);
      if (files.length !== 1 || sha256File(files[0]) !== w.changedSha256) rec.problem(ids[2][0], 'restored file differs from the changed image');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
