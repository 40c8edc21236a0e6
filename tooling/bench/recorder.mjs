// Collects the samples of every measured step across runs, putting the page cache in the state
// the step asks for first. A failing step is recorded (with its error) instead of ending the bench.
import { dropCaches, warmFile } from './files.mjs';
import { measure, run } from './measure.mjs';

export class Recorder {
  /** @param {{ gnuTime: boolean, canDropCaches: boolean, log: (line: string) => void }} options */
  constructor({ gnuTime, canDropCaches, log }) {
    this.gnuTime = gnuTime;
    this.canDropCaches = canDropCaches;
    this.log = log;
    /** id -> { id, tool, step, compression, cache, volumeBytes, samples: [], errors: [] } */
    this.entries = new Map();
    /** The round being measured; each sample keeps it, so that the goals can pair samples by round. */
    this.run = 0;
  }

  /**
   * Measures `argv` once as step `id` and returns the sample (to which the caller may add
   * `storedBytes`), or null when the command failed or could not start.
   * `cache: 'cold'` drops the page cache, then runs `warmup` (unmeasured) so the program itself is
   * loaded but its data is not; `cache: 'warm'` reads `warm` files through first.
   */
  async step(id, meta, argv, { cache = 'warm', warm = [], warmup, env, cwd } = {}) {
    const entry = this.entries.get(id) ?? { id, ...meta, cache, samples: [], errors: [] };
    this.entries.set(id, entry);
    if (cache === 'cold') {
      if (this.canDropCaches) dropCaches();
      if (warmup) await run(warmup, { env, cwd });
    } else {
      for (const file of warm) warmFile(file);
    }
    try {
      const { stdout, ...sample } = await measure(argv, { gnuTime: this.gnuTime, env, cwd });
      // The caller reads stdout (volback's JSON); the JSON report should not carry it.
      Object.defineProperty(sample, 'stdout', { value: stdout, enumerable: false });
      sample.run = this.run;
      entry.samples.push(sample);
      const mibs = meta.volumeBytes / 2 ** 20 / Math.max(sample.wall, 0.01);
      this.log(
        `  ${id.padEnd(28)} ${sample.wall.toFixed(2).padStart(7)} s  ${mibs.toFixed(0).padStart(5)} MiB/s  ${(sample.rssKiB / 1024).toFixed(0).padStart(5)} MiB RSS`,
      );
      return sample;
    } catch (err) {
      entry.errors.push(String(err.message ?? err));
      this.log(`  ${id.padEnd(28)} FAILED: ${err.message ?? err}`);
      return null;
    }
  }

  /** Records a problem found after a step ran (e.g. a restore that does not match its image). */
  problem(id, message) {
    this.entries.get(id)?.errors.push(message);
    this.log(`  ${id.padEnd(28)} PROBLEM: ${message}`);
  }

  /** Records that a step was not measured at all (tool missing, earlier step failed). */
  skip(id, meta, reason) {
    const entry = this.entries.get(id) ?? { id, ...meta, cache: meta.cache ?? 'warm', samples: [], errors: [] };
    entry.skipped = reason;
    this.entries.set(id, entry);
  }
}
