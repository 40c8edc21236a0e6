// The goals volback is held to, as ratios to the references measured in the same run, and the
// references each volback step is compared with in the results table.
import { spread } from './measure.mjs';
import { volbackIds } from './volback.mjs';

const zstd = volbackIds('zstd');

/** Id of the optional 4 GiB full backup (`--rss-scaling`). */
export const RSS_SCALING_ID = 'volback.zstd.full-4g';

/** References shown next to each volback step: [reference id, short label]. */
export const COMPARISONS = {
  'full backup': [
    ['ref.zstd', 'zstd'],
    ['ref.restic.backup', 'restic'],
    ['ref.cp', 'cp'],
  ],
  'incremental backup': [
    ['ref.sha256', 'sha256'],
    ['ref.restic.backup2', 'restic'],
  ],
  'restore latest': [
    ['ref.cp-cold', 'cold cp'],
    ['ref.restic.restore', 'restic'],
  ],
  'verify latest': [['ref.sha256', 'sha256']],
};

/** Throughput goals: volback's median MiB/s over the reference's must be at least `min`. */
export const THROUGHPUT_TARGETS = [
  { goal: 'full backup (zstd) vs restic backup', volback: zstd.full, ref: 'ref.restic.backup', min: 2.5 },
  { goal: 'full backup (zstd) vs zstd -1 -T2 + fsync', volback: zstd.full, ref: 'ref.zstd', min: 0.6 },
  { goal: 'incremental (zstd) vs restic second backup', volback: zstd.incremental, ref: 'ref.restic.backup2', min: 3 },
  { goal: 'incremental (zstd) vs openssl dgst -sha256', volback: zstd.incremental, ref: 'ref.sha256', min: 0.9 },
  { goal: 'restore (zstd) vs restic restore', volback: zstd.restore, ref: 'ref.restic.restore', min: 2 },
  { goal: 'restore (zstd) vs cold-cache cp + fsync', volback: zstd.restore, ref: 'ref.cp-cold', min: 0.7 },
];

/** Memory goals: zstd is volback's default compression, so its commands are the default settings. */
export const RSS_LIMIT_MIB = 200;
export const RSS_DEFAULT_IDS = Object.values(zstd);
export const RSS_SCALING_TOLERANCE = 0.1;

/**
 * Evaluates every goal against the summaries (by id). Each result is
 * `{ goal, measured, needed, ok }` where ok is true, false or null (not measured, `why` says).
 */
export function evaluateTargets(summaries, remote = { throughput: [], rss: [] }) {
  const get = (id) => summaries.get(id);
  const usable = (s) => s && s.runs > 0;
  const out = [...THROUGHPUT_TARGETS, ...remote.throughput].map((t) => {
    const v = get(t.volback);
    const r = get(t.ref);
    if (!usable(v) || !usable(r)) return { goal: t.goal, needed: `>= ${t.min}x`, ok: null, why: notMeasured(v, r, t) };
    // Paired by round: each round measured the two back to back, so drift between rounds cancels.
    const paired = spread(pairedRatios(v, r));
    const ratio = paired ? paired.median : v.mibs.median / r.mibs.median;
    const how = paired ? `median of ${paired.n} rounds, ${paired.min.toFixed(2)}–${paired.max.toFixed(2)}x; ` : '';
    return {
      goal: t.goal,
      measured: `${ratio.toFixed(2)}x (${how}${v.mibs.median.toFixed(0)} vs ${r.mibs.median.toFixed(0)} MiB/s)${v.errors.length ? ', ⚠ errors in the notes' : ''}`,
      ratio,
      needed: `>= ${t.min}x`,
      ok: ratio >= t.min,
    };
  });

  const rss = RSS_DEFAULT_IDS.map(get).filter(usable);
  if (rss.length === 0)
    out.push({ goal: 'peak RSS, default settings', needed: `<= ${RSS_LIMIT_MIB} MiB`, ok: null, why: 'no volback zstd step ran' });
  else {
    const worst = rss.reduce((a, b) => (b.rssMiB.max > a.rssMiB.max ? b : a));
    out.push({
      goal: 'peak RSS, default settings (every zstd command)',
      measured: `${worst.rssMiB.max.toFixed(0)} MiB (${worst.step})`,
      needed: `<= ${RSS_LIMIT_MIB} MiB`,
      ok: worst.rssMiB.max <= RSS_LIMIT_MIB,
    });
  }

  for (const r of remote.rss) {
    const measured = r.ids.map(get).filter(usable);
    const goal = `peak RSS to and from ${r.title} (zstd)`;
    if (measured.length === 0) out.push({ goal, needed: `<= ${r.limit} MiB`, ok: null, why: `no volback step on ${r.title} ran` });
    else {
      const worst = measured.reduce((a, b) => (b.rssMiB.max > a.rssMiB.max ? b : a));
      out.push({
        goal,
        measured: `${worst.rssMiB.max.toFixed(0)} MiB (${worst.step})`,
        needed: `<= ${r.limit} MiB`,
        ok: worst.rssMiB.max <= r.limit,
      });
    }
  }

  const big = get(RSS_SCALING_ID);
  if (big) {
    const small = get(zstd.full);
    const goal = `peak RSS of full backup, ${sizeLabel(big.volumeBytes)} vs ${sizeLabel(small?.volumeBytes ?? 0)} volume`;
    if (usable(big) && usable(small)) {
      const change = big.rssMiB.max / small.rssMiB.max - 1;
      out.push({
        goal,
        measured: `${big.rssMiB.max.toFixed(0)} vs ${small.rssMiB.max.toFixed(0)} MiB (${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%)`,
        needed: `within ±${RSS_SCALING_TOLERANCE * 100}%`,
        ok: Math.abs(change) <= RSS_SCALING_TOLERANCE,
      });
    } else out.push({ goal, needed: `within ±${RSS_SCALING_TOLERANCE * 100}%`, ok: null, why: 'a full backup failed' });
  }
  return out;
}

/** volback's throughput over the reference's in each round that measured both. */
function pairedRatios(v, r) {
  const mibs = (s, x) => s.volumeBytes / 2 ** 20 / Math.max(x.wall, 0.01);
  const refByRun = new Map(r.samples.filter((x) => x.run).map((x) => [x.run, x]));
  return v.samples.filter((x) => refByRun.has(x.run)).map((x) => mibs(v, x) / mibs(r, refByRun.get(x.run)));
}

function notMeasured(v, r, t) {
  const why = (s, id) => (!s ? `${id} not run` : s.skipped ? `${id}: ${s.skipped}` : `${id} failed`);
  return [v?.runs ? null : why(v, t.volback), r?.runs ? null : why(r, t.ref)].filter(Boolean).join('; ');
}

/** 1 GiB, 128 MiB: sizes as the bench takes them. */
export function sizeLabel(bytes) {
  const mib = bytes / 2 ** 20;
  return mib >= 1024 && mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`;
}
