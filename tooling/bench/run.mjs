// `pnpm bench`: volback against real peers, in one run. Generates the workload, then for each of
// --runs rounds measures the references and volback (each --compressions); writes bench-results/
// and prints markdown. This machine's speed drifts by 10-50 % over minutes, so each goal's pair
// (volback zstd's step and the references it is held to) is measured back to back, volback first
// in every other round, and a goal's ratio is the median of the rounds' own ratios.
//   node tooling/bench/run.mjs [--size 1G] [--runs 3] [--compressions none,zstd,zlib] [--rss-scaling]
//                              [--dir <tmp parent>] [--out bench-results] [--no-gnu-time] [--keep] [--remotes s3,azure]
// --remotes adds volback to and from each named remote's test server (remotes/), next to that
// remote's reference tool; `--s3` is `--remotes s3`.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { dropCaches } from './files.mjs';
import { describeMachine, nodeStartCost } from './machine.mjs';
import { hasGnuTime } from './measure.mjs';
import { runPaired } from './pairing.mjs';
import { Recorder } from './recorder.mjs';
import { detectTools, references, ResticSession } from './references.mjs';
import { writeReport } from './report.mjs';
import { measureRemoteRound, remoteComparisons, remoteGoals } from './remote-round.mjs';
import { selectRemotes, startServer } from './remotes.mjs';
import { RSS_SCALING_ID, sizeLabel } from './targets.mjs';
import { CLI, runVolback, storedBytes, VolbackSession } from './volback.mjs';
import { generateWorkload, parseSize } from './workload.mjs';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const COMPRESSIONS = ['none', 'zstd', 'zlib'];
const RSS_SCALING_BYTES = 4 * 2 ** 30;

const log = (line) => process.stderr.write(line + '\n');

function options() {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '1G' },
      runs: { type: 'string', default: '3' },
      compressions: { type: 'string', default: COMPRESSIONS.join(',') },
      'rss-scaling': { type: 'boolean', default: false },
      dir: { type: 'string', default: tmpdir() },
      out: { type: 'string', default: join(REPO_ROOT, 'bench-results') },
      'no-gnu-time': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      remotes: { type: 'string', default: '' },
      s3: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    log(
      'usage: pnpm bench [--size 1G] [--runs 3] [--compressions none,zstd,zlib] [--rss-scaling] [--dir TMP] [--out DIR] [--no-gnu-time] [--keep] [--remotes s3,azure,…] [--s3]',
    );
    process.exit(0);
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  const compressions = values.compressions.split(',').map((c) => c.trim());
  for (const c of compressions) if (!COMPRESSIONS.includes(c)) throw new Error(`unknown compression ${c}`);
  const remotes = [values.remotes, values.s3 ? 's3' : ''].filter(Boolean).join(',');
  return { ...values, runs, compressions, remotes, sizeBytes: parseSize(values.size) };
}

async function main() {
  const started = Date.now();
  const opts = options();
  const cli = join(REPO_ROOT, CLI);
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (pnpm build)`);

  mkdirSync(opts.dir, { recursive: true });
  const workDir = mkdtempSync(join(opts.dir, 'volback-bench-'));
  const notes = [];
  const gnuTime = !opts['no-gnu-time'] && (await hasGnuTime());
  if (!gnuTime)
    notes.push('GNU time not used: wall time from node, CPU and peak RSS from polling /proc every 20 ms (approximate, marked ~)');
  const canDropCaches = dropCaches();
  if (!canDropCaches) notes.push('warm cache: the page cache could not be dropped (not root?), so every step ran with a warm cache');
  const remotes = await selectRemotes(opts.remotes);
  const tools = await detectTools();
  for (const r of remotes) tools[r.reference.tool] ??= await r.reference.version();
  for (const [tool, v] of Object.entries(tools)) if (!v) notes.push(`${tool} is not installed: its reference is skipped`);
  const start = nodeStartCost();
  if (start) {
    notes.push(
      `NODE_EXTRA_CA_CERTS is set: Node loads certificates at every start, so each volback step starts ${start.withMs - start.withoutMs} ms later ` +
        `(\`node -e 0\`: ${start.withMs} ms, ${start.withoutMs} ms without it); the figures include it`,
    );
  }
  const machine = describeMachine({ workDir, repoRoot: REPO_ROOT });
  /** The remotes whose server started: { remote, env, stop }. */
  const servers = [];
  const settings = { runs: opts.runs, compressions: opts.compressions, gnuTime, canDropCaches, tools, remotes: [] };

  try {
    for (const remote of remotes) {
      log(`[bench] starting the ${remote.title} server (${remote.server.script})`);
      const started = startServer(remote);
      if (started.why) {
        notes.push(`${remote.title} steps skipped: ${started.why}`);
        continue;
      }
      servers.push({ remote, ...started });
      const label = remote.label(started.env);
      settings.remotes.push({ name: remote.name, server: label });
      notes.push(
        `${remote.title}: volback (zstd) to and from ${label} on 127.0.0.1, next to ${remote.reference.tool} of the image; the server runs on the same cores, ` +
          'so its CPU counts against both tools',
      );
    }

    log(`[bench] generating the ${sizeLabel(opts.sizeBytes)} workload in ${workDir}`);
    const workload = generateWorkload(workDir, opts.sizeBytes);
    log(`[bench] workload ready in ${workload.seconds.toFixed(1)} s`);

    const rec = new Recorder({ gnuTime, canDropCaches, log });
    for (let r = 1; r <= opts.runs; r++) {
      log(`[bench] run ${r} of ${opts.runs}`);
      rec.run = r;
      const scratch = join(workDir, `run-${r}`);
      mkdirSync(scratch);
      const ctx = { w: workload, scratch, tools, cli };
      await measureGoalPairs(rec, ctx, { volbackFirst: r % 2 === 0, zstd: opts.compressions.includes('zstd') });
      for (const compression of opts.compressions) {
        if (compression !== 'zstd') await runVolback(rec, { ...ctx, compression });
      }
      for (const { remote, env } of servers) await measureRemoteRound(rec, ctx, remote, env, { round: r, volbackFirst: r % 2 === 0 });
      rmSync(scratch, { recursive: true, force: true });
    }

    if (opts['rss-scaling']) {
      notes.push(`RSS scaling: one full backup (zstd) of a ${sizeLabel(RSS_SCALING_BYTES)} volume of the same mix`);
      await rssScaling(rec, { workDir, cli });
    }

    const elapsedSeconds = (Date.now() - started) / 1000;
    const measured = servers.map((s) => s.remote);
    const remote = { comparisons: remoteComparisons(measured), goals: remoteGoals(measured) };
    const { md, files } = writeReport(resolve(opts.out), {
      machine,
      workload,
      settings,
      entries: rec.entries,
      notes,
      elapsedSeconds,
      remote,
    });
    process.stdout.write(md);
    log(`[bench] wrote ${files.join(' and ')}`);
  } finally {
    for (const { stop } of servers) stop();
    if (opts.keep) log(`[bench] kept ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * One round of every reference and of volback with zstd, each volback step next to the references
 * its goals compare it with: full backup with restic's backup and zstd, incremental with restic's
 * second backup and openssl, restore with restic's restore and a cold cp.
 */
async function measureGoalPairs(rec, ctx, { volbackFirst, zstd }) {
  const restic = new ResticSession(rec, ctx);
  const volback = zstd ? new VolbackSession(rec, { ...ctx, compression: 'zstd' }) : null;
  const pair = (refs, step) => runPaired(volbackFirst, refs, step);
  try {
    await pair([() => restic.backup(), () => references.zstd(rec, ctx)], volback && (() => volback.full()));
    await pair([() => restic.backup2(), () => references.sha256(rec, ctx)], volback && (() => volback.incremental()));
    await pair([() => restic.restore(), () => references.cpCold(rec, ctx)], volback && (() => volback.restore()));
    await volback?.verify();
    await references.cp(rec, ctx);
  } finally {
    restic.cleanup();
    volback?.cleanup();
  }
}

/** A full zstd backup of a 4 GiB volume, whose peak RSS should match the smaller volume's. */
async function rssScaling(rec, { workDir, cli }) {
  const dir = join(workDir, 'rss-scaling');
  mkdirSync(dir);
  log(`[bench] generating the ${sizeLabel(RSS_SCALING_BYTES)} volume for RSS scaling`);
  const big = generateWorkload(dir, RSS_SCALING_BYTES, { changedCopy: false });
  const store = join(dir, 'store');
  const env = { ...process.env, VOLBACK_STATE_DIR: join(dir, 'state') };
  const meta = {
    tool: 'volback',
    step: `full backup, ${sizeLabel(RSS_SCALING_BYTES)} volume`,
    compression: 'zstd',
    volumeBytes: RSS_SCALING_BYTES,
  };
  const argv = [process.execPath, cli, 'backup', big.image, '--to', store, '--compression', 'zstd', '--json'];
  const sample = await rec.step(RSS_SCALING_ID, meta, argv, { env, warm: [big.image] });
  if (sample) sample.storedBytes = storedBytes(sample, store);
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  log(`[bench] ${err.stack ?? err}`);
  process.exit(1);
});
