// One round of volback (zstd) to and from a remote store, each step next to the remote's reference
// tool on the same server; and the comparisons and goals those steps are reported with.
import { runPaired } from './pairing.mjs';
import { VolbackSession, volbackIds } from './volback.mjs';

/** Full backup and its reference upload, incremental, restore and its reference download. */
export async function measureRemoteRound(rec, ctx, remote, server, { round, volbackFirst }) {
  const container = `vb-bench-${round}`;
  const target = remote.volback(server, container);
  const volback = new VolbackSession(rec, {
    ...ctx,
    compression: 'zstd',
    // NODE_NO_WARNINGS: an SDK's notice about Node versions would land in every step's stderr.
    remote: { name: remote.name, url: target.url, suffix: suffixes(remote), env: { ...target.env, NODE_NO_WARNINGS: '1' } },
  });
  const reference = remote.reference.create(rec, ctx, { title: remote.title, ids: refIds(remote) }, server, `${container}-ref`);
  try {
    await runPaired(volbackFirst, [() => reference.upload()], () => volback.full());
    await volback.incremental();
    await runPaired(volbackFirst, [() => reference.download()], () => volback.restore());
  } finally {
    volback.cleanup();
    await reference.purge(container);
    await reference.purge(`${container}-ref`);
  }
}

const suffixes = (remote) => ({
  full: `to ${remote.title}`,
  incremental: `to ${remote.title}`,
  restore: `from ${remote.title}`,
  verify: `on ${remote.title}`,
});
const refIds = (remote) => ({ upload: `ref.${remote.name}.upload`, download: `ref.${remote.name}.download` });

/** Step name -> [reference id, label], for the results table's "vs references" column. */
export function remoteComparisons(remotes) {
  const out = {};
  for (const r of remotes) {
    const s = suffixes(r);
    out[`full backup ${s.full}`] = [[refIds(r).upload, r.reference.tool]];
    out[`restore latest ${s.restore}`] = [[refIds(r).download, r.reference.tool]];
  }
  return out;
}

/** The remotes' throughput goals (as in targets.mjs) and the step ids of their peak-RSS goals. */
export function remoteGoals(remotes) {
  const throughput = [];
  const rss = [];
  for (const r of remotes) {
    const ids = volbackIds('zstd', r.name);
    const tool = r.reference.tool;
    if (r.goals?.full)
      throughput.push({
        goal: `full backup to ${r.title} (zstd) vs ${tool} upload`,
        volback: ids.full,
        ref: refIds(r).upload,
        min: r.goals.full,
      });
    if (r.goals?.restore)
      throughput.push({
        goal: `restore from ${r.title} (zstd) vs ${tool} download`,
        volback: ids.restore,
        ref: refIds(r).download,
        min: r.goals.restore,
      });
    if (r.goals?.rssMiB) rss.push({ title: r.title, ids: [ids.full, ids.incremental, ids.restore], limit: r.goals.rssMiB });
  }
  return { throughput, rss };
}
