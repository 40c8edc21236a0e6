import { positionals } from '../args.js';
import { STORE_OPTIONS, type Command } from '../command.js';
import { withInterrupt } from '../interrupt.js';
import { withBackup } from '../open-backup.js';
import { outputOptions } from '../output-options.js';
import { progressReporter } from '../progress-reporter.js';
import { verifySummary } from '../result-summary.js';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check a stored backup (length, MD5 and SHA-256 of every block of its chain) without restoring it',
  usage: '<backup-id> --store <store> [--json]',
  options: { ...STORE_OPTIONS },
  async run(args, values, io) {
    const [id] = positionals(args, ['backup-id']) as [string];
    return withBackup(
      values,
      io,
      id,
      async (target, record) => {
        const started = process.hrtime.bigint();
        const output = outputOptions(values);
        const progress = progressReporter(io, output);
        const result = await withInterrupt(io, (signal) => {
          return target.driver.verify(record, { signal, onProgress: progress.onProgress });
        }).finally(() => progress.stop());
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (output.json) io.stdout.write(JSON.stringify({ id, ok: true, ...result, seconds }, null, 2) + '\n');
        else if (!output.quiet) {
          const figures = { id, volumeBytes: result.volumeBytes, chainLength: result.chain.length, seconds };
          io.stdout.write(`${verifySummary({ ...figures, objects: progress.last()?.objectsDone ?? 0 })}\n`);
        }
        return 0;
      },
      { startWorkers: true },
    );
  },
};
