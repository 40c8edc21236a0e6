// What the figures were measured on: cores, CPU, memory, kernel, node, free disk, and which
// volback build (git commit, uncommitted changes under packages/).
import { spawnSync } from 'node:child_process';
import { readFileSync, statfsSync } from 'node:fs';
import { availableParallelism, release, totalmem, version } from 'node:os';

/** A description of this machine and of the volback build under test. */
export function describeMachine({ workDir, repoRoot }) {
  const cpuinfo = safe(() => readFileSync('/proc/cpuinfo', 'utf8'), '');
  const fs = safe(() => statfsSync(workDir), null);
  const git = (...args) => safe(() => spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).stdout.trim(), '');
  return {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpu: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    kernel: `${release()} ${version()}`,
    node: process.version,
    diskFreeGiB: fs ? Number(((fs.bavail * fs.bsize) / 2 ** 30).toFixed(1)) : null,
    workDir,
    commit: git('rev-parse', '--short', 'HEAD') || 'unknown',
    uncommittedPackageFiles: git('status', '--porcelain', '--', 'packages').split('\n').filter(Boolean).length,
  };
}

/**
 * With NODE_EXTRA_CA_CERTS set, Node 20 loads its root certificates and the file's at every
 * start, TLS or not: every volback step pays it, the native references do not. Returns the
 * median start of `node -e 0` with and without it (ms), or null when it is not set.
 */
export function nodeStartCost(runs = 5) {
  if (!process.env.NODE_EXTRA_CA_CERTS) return null;
  const { NODE_EXTRA_CA_CERTS: _, ...without } = process.env;
  const median = (env) => {
    const times = Array.from({ length: runs }, () => {
      const t0 = performance.now();
      spawnSync(process.execPath, ['-e', '0'], { env });
      return performance.now() - t0;
    }).sort((a, b) => a - b);
    return Math.round(times[Math.floor(runs / 2)]);
  };
  return { withMs: median(process.env), withoutMs: median(without) };
}

function safe(fn, fallback) {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
