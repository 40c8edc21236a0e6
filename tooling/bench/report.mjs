// Turns the recorded samples into summaries (median, min–max), a markdown report and a JSON file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spread } from './measure.mjs';
import { COMPARISONS, evaluateTargets, sizeLabel } from './targets.mjs';

const MIB = 2 ** 20;

/** Summaries by step id: throughput, wall, CPU and RSS spreads, median stored bytes. */
export function summarise(entries) {
  const out = new Map();
  for (const e of entries.values()) {
    const s = e.samples;
    out.set(e.id, {
      id: e.id,
      tool: e.tool,
      step: e.step,
      compression: e.compression ?? null,
      cache: e.cache,
      volumeBytes: e.volumeBytes,
      runs: s.length,
      mibs: spread(s.map((x) => e.volumeBytes / MIB / Math.max(x.wall, 0.01))),
      wall: spread(s.map((x) => x.wall)),
      cpu: spread(s.map((x) => x.cpu)),
      rssMiB: spread(s.map((x) => x.rssKiB / 1024)),
      storedBytes: spread(s.map((x) => x.storedBytes))?.median ?? null,
      approx: s.some((x) => x.approx),
      skipped: e.skipped ?? null,
      errors: e.errors,
      samples: s,
    });
  }
  return out;
}

/** The markdown report: machine, workload, results table, goals table, notes. */
export function markdown({ machine, workload, settings, summaries, targets, notes, comparisons = COMPARISONS }) {
  const lines = [];
  lines.push(`# volback benchmark, ${machine.date.slice(0, 16).replace('T', ' ')} UTC`, '');
  lines.push(
    `**Machine:** ${machine.nproc} cores, ${machine.cpu}, ${machine.memoryGiB} GiB RAM, Linux ${machine.kernel.split(' ')[0]}, ` +
      `node ${machine.node}, ${machine.diskFreeGiB ?? '?'} GiB free on the disk of ${machine.workDir}`,
  );
  lines.push(
    `**volback:** commit ${machine.commit}${machine.uncommittedPackageFiles ? ` + ${machine.uncommittedPackageFiles} uncommitted files under packages/` : ''}, measured through the CLI, posix driver${settings.remotes?.length ? ` (and the ${settings.remotes.map((r) => r.name).join(', ')} drivers where a step names a remote)` : ''}`,
  );
  lines.push(
    `**Workload:** ${sizeLabel(workload.sizeBytes)} volume (${workload.regions.random} random / ${workload.regions.zero} zero / ${workload.regions.text} text regions of 4 MiB, shuffled), ` +
      `changed copy with ${workload.changes.count} scattered 64 KiB regions rewritten (${((workload.changes.count * workload.changes.bytes * 100) / workload.sizeBytes).toFixed(1)}%)`,
  );
  lines.push(
    `**Method:** median of ${settings.runs} run${settings.runs > 1 ? 's' : ''} (min–max), each a child process under ${settings.gnuTime ? 'GNU time' : 'node timing + /proc polling (approximate CPU/RSS)'}; ` +
      `${settings.canDropCaches ? 'page cache dropped before "cold" steps, input read through before "warm" ones' : '**warm cache**: could not drop the page cache, so "cold" steps ran warm'}; ` +
      `MiB/s are volume bytes over wall time; each volback (zstd) step ran back to back with the references its goals name, volback first in every other run, ` +
      `and a goal's ratio is the median of the runs' own ratios (the table's "vs references" divides medians); tools: ${Object.entries(
        settings.tools,
      )
        .map(([k, v]) => `${k} ${v ?? 'absent'}`)
        .join(', ')}`,
  );
  lines.push('', '## Results', '');
  lines.push('| step | tool | cache | MiB/s median (min–max) | wall s | CPU s | peak RSS MiB | stored | vs references |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const s of summaries.values()) lines.push(resultRow(s, summaries, comparisons));
  lines.push('', '## Goals', '');
  lines.push('| goal | measured | needed | |');
  lines.push('|---|---|---|---|');
  for (const t of targets)
    lines.push(`| ${t.goal} | ${t.measured ?? `not measured: ${t.why}`} | ${t.needed} | ${t.ok === null ? '–' : t.ok ? '✅' : '❌'} |`);
  const problems = [...summaries.values()].flatMap((s) => [
    // Missing tools are already in the notes once; other skips and every error are listed.
    ...(s.skipped && !/not installed/.test(s.skipped) ? [`${s.id} skipped: ${s.skipped}`] : []),
    ...s.errors.map((e) => `${s.id}: ${e}`),
  ]);
  if (problems.length || notes.length) {
    lines.push('', '## Notes', '');
    for (const n of [...notes, ...problems]) lines.push(`- ${n}`);
  }
  return lines.join('\n') + '\n';
}

function resultRow(s, summaries, comparisons) {
  const tool = s.compression ? `${s.tool} (${s.compression})` : s.tool;
  if (s.runs === 0) return `| ${s.step} | ${tool} | ${s.cache} | ${s.skipped ? `skipped: ${s.skipped}` : 'failed'} | | | | | |`;
  const f = (x, d = 1) => x.toFixed(d);
  const mibs = `${f(s.mibs.median, 0)} (${f(s.mibs.min, 0)}–${f(s.mibs.max, 0)})`;
  const stored = s.storedBytes === null ? '' : `${f(s.storedBytes / MIB)} MiB (${f((s.storedBytes * 100) / s.volumeBytes, 0)}%)`;
  const refs = s.tool === 'volback' ? ratios(s, summaries, comparisons) : '';
  const approx = s.approx ? ' ~' : '';
  return `| ${s.step} | ${tool} | ${s.cache} | ${mibs} | ${f(s.wall.median, 2)} | ${f(s.cpu.median, 2)}${approx} | ${f(s.rssMiB.max, 0)}${approx} | ${stored} | ${refs} |`;
}

/** "0.71x zstd, 3.10x restic": volback's median throughput over each reference's. */
function ratios(s, summaries, comparisons) {
  return (comparisons[s.step] ?? [])
    .map(([id, label]) => [summaries.get(id), label])
    .filter(([r]) => r && r.runs > 0)
    .map(([r, label]) => `${(s.mibs.median / r.mibs.median).toFixed(2)}x ${label}`)
    .join(', ');
}

/**
 * Writes `<stamp>.md` and `<stamp>.json` (plus `latest.md` / `latest.json`) into `outDir` and
 * returns the markdown. `remote` holds the remotes' comparisons and goals (remote-round.mjs).
 */
export function writeReport(outDir, { machine, workload, settings, entries, notes, elapsedSeconds, remote }) {
  const summaries = summarise(entries);
  const targets = evaluateTargets(summaries, remote.goals);
  const md =
    markdown({ machine, workload, settings, summaries, targets, notes, comparisons: { ...COMPARISONS, ...remote.comparisons } }) +
    `\nWhole bench: ${(elapsedSeconds / 60).toFixed(1)} min.\n`;
  const json = JSON.stringify({ machine, workload, settings, notes, elapsedSeconds, targets, results: [...summaries.values()] }, null, 2);
  mkdirSync(outDir, { recursive: true });
  const stamp = machine.date.replace(/[:.]/g, '-').slice(0, 19);
  for (const name of [stamp, 'latest']) {
    writeFileSync(join(outDir, `${name}.md`), md);
    writeFileSync(join(outDir, `${name}.json`), json + '\n');
  }
  return { md, files: [join(outDir, `${stamp}.md`), join(outDir, `${stamp}.json`)] };
}
