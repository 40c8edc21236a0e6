import { positionals } from '../args.js';
import { storeOptions, type Command } from '../command.js';
import { withInterrupt } from '../interrupt.js';
import { jsonLine } from '../format.js';
import { withBackup } from '../open-backup.js';
import { outputMode } from '../output-mode.js';
import { progressReporter } from '../progress-reporter.js';
import { verifySummary } from '../result-summary.js';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check a stored backup (length, MD5 and SHA-256 of every block of its chain) without restoring it',
  arguments: [{ name: 'backup-id', description: 'the backup to check: an id or a unique prefix of one' }],
  store: 'store',
  options: { ...storeOptions('store') },
  examples: [['volback verify 1f0c --store /srv/backups', 'read and check every object of the chain']],
  async run(args, values, io) {
    const [id] = positionals(args, ['backup-id']) as [string];
    return withBackup(
      values,
      io,
      id,
      async (target, record) => {
        const id = record.id; // the whole id, where a prefix of it was given
        const started = process.hrtime.bigint();
        const output = outputMode(io);
        const progress = progressReporter(io, output);
        const result = await withInterrupt(io, (signal) => {
          return target.driver.verify(record, { signal, onProgress: progress.onProgress });
        }).finally(() => progress.stop());
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (output.json) io.stdout.write(jsonLine({ id, ok: true, ...result, seconds }));
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
