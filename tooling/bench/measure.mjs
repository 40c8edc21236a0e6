// Runs one command as a child process and measures the whole process: wall seconds, CPU seconds
// (user + sys, children included) and peak RSS. GNU time (`/usr/bin/time`) is preferred; without
// it, wall time comes from node and CPU / RSS from polling /proc every 20 ms (marked approximate).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GNU_TIME = '/usr/bin/time';
const POLL_MS = 20;
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** A command that exited non-zero: carries the tail of its stderr for the report. */
export class CommandFailed extends Error {
  constructor(argv, code, stderr) {
    super(`${argv.join(' ')} exited with ${code}: ${gist(stderr)}`);
    this.code = code;
  }
}

/** The error lines of a stderr (node prints a stack, then its version), else its last lines. */
function gist(stderr) {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const errors = lines.filter((l) => /error|E_[A-Z]/i.test(l));
  return (errors.length ? errors.slice(0, 2) : lines.slice(-3)).join(' | ');
}

/** Whether GNU time is usable here (it prints its version; BSD time or a shell keyword does not). */
export async function hasGnuTime() {
  if (!existsSync(GNU_TIME)) return false;
  const r = await run([GNU_TIME, '--version']).catch(() => null);
  return r !== null && /GNU/.test(r.stdout + r.stderr);
}

/**
 * Measures `argv` (run without a shell). Resolves to `{ wall, user, sys, cpu, rssKiB, approx, stdout }`;
 * rejects with {@link CommandFailed} when it exits non-zero.
 */
export async function measure(argv, { gnuTime = true, env, cwd } = {}) {
  return gnuTime ? measureWithGnuTime(argv, { env, cwd }) : measureByPolling(argv, { env, cwd });
}

async function measureWithGnuTime(argv, options) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-time-'));
  const out = join(dir, 'time');
  try {
    // -o keeps the figures out of the command's own stderr; %M is peak RSS in KiB.
    const r = await run([GNU_TIME, '-o', out, '-f', '%e %U %S %M', ...argv], options);
    if (r.code !== 0) throw new CommandFailed(argv, r.code, r.stderr);
    const last = readFileSync(out, 'utf8').trim().split('\n').at(-1);
    const [wall, user, sys, rssKiB] = last.split(' ').map(Number);
    return { wall, user, sys, cpu: user + sys, rssKiB, approx: false, stdout: r.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measureByPolling(argv, options) {
  const started = process.hrtime.bigint();
  const seen = new Map(); // pid -> { hwmKiB, ticks }
  let timer;
  const r = await run(argv, options, (pid) => {
    const poll = () => {
      for (const p of processTree(pid)) {
        const now = sampleProcess(p);
        if (now) seen.set(p, { hwmKiB: Math.max(now.hwmKiB, seen.get(p)?.hwmKiB ?? 0), ticks: now.ticks });
      }
    };
    poll();
    timer = setInterval(poll, POLL_MS);
  });
  clearInterval(timer);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.code !== 0) throw new CommandFailed(argv, r.code, r.stderr);
  const all = [...seen.values()];
  const cpu = all.reduce((s, p) => s + p.ticks, 0) / CLOCK_TICKS;
  const rssKiB = Math.max(0, ...all.map((p) => p.hwmKiB));
  return { wall, user: null, sys: null, cpu, rssKiB, approx: true, stdout: r.stdout };
}

/** The pid and its live descendants. */
function processTree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${out[i]}/task`)) {
        const kids = readFileSync(`/proc/${out[i]}/task/${task}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(' ').map(Number));
      }
    } catch {
      // exited between listing and reading
    }
  }
  return out;
}

function sampleProcess(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwmKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    // Fields after the ")" of the command name: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { hwmKiB, ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/** Runs a command to completion, collecting stdout and the tail of stderr. Never rejects on exit status. */
export function run(argv, { env, cwd } = {}, onSpawn) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env: env ?? process.env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-8192)));
    child.on('error', reject);
    child.on('spawn', () => onSpawn?.(child.pid));
    child.on('close', (code, signal) => resolve({ code: code ?? `signal ${signal}`, stdout, stderr }));
  });
}

/** Median, min and max of a list of numbers (null for an empty list). */
export function spread(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v.at(-1), n: v.length };
}
