import { idOpt, positionals } from '../args.js';
import { storeOptions, type Command } from '../command.js';
import { withInterrupt } from '../interrupt.js';
import { jsonLine } from '../format.js';
import { withBackup } from '../open-backup.js';
import { outputMode } from '../output-mode.js';
import { progressReporter } from '../progress-reporter.js';
import { openRestoreTarget } from '../restore-target-open.js';
import { restoreSummary } from '../result-summary.js';
import { runningBackupSources } from '../running-backups.js';
import { removeOnForcedExit } from '../supervised-run.js';

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'restore a backup (its whole chain) into a file or block device, verifying every block',
  details:
    'Every block is checked against the backup’s SHA-256 list before "verified" is printed. A file is written under a temporary name and renamed over the target at the end; a block device is written in place.',
  arguments: [
    { name: 'backup-id', description: 'the backup to restore: an id or a unique prefix of one' },
    { name: 'target', description: 'the file or block device to write' },
  ],
  store: 'from',
  options: {
    ...storeOptions('from'),
    'volume-id': { type: 'string', value: '<id>', description: "the volume id to restore for (default: the backup's own)" },
    force: {
      type: 'boolean',
      description: 'overwrite a target that holds data (a file of 1 byte or more, a device with data at either end)',
    },
  },
  examples: [
    ['volback restore 1f0c restored.img --from /srv/backups', 'restore into a file'],
    ['volback restore 1f0c /dev/vg0/data --from prod --force', 'over a block device that holds data, from a named target'],
  ],
  async run(args, values, io) {
    const [id, path] = positionals(args, ['backup-id', 'target']) as [string, string];
    const volumeId = idOpt(values, 'volume-id', 'volume id');
    return withBackup(
      values,
      io,
      id,
      async (target, record) => {
        const id = record.id; // the whole id, where a prefix of it was given
        const started = process.hrtime.bigint();
        const output = outputMode(io);
        const progress = progressReporter(io, output);
        const result = await withInterrupt(io, async (signal) => {
          // Refused: a target inside the store, or what a running backup reads.
          const out = await openRestoreTarget(path, io, {
            record,
            guard: { store: target.store, protectedFiles: await runningBackupSources(io) },
            force: values.force === true,
          });
          const partial = out.partialPath;
          const forget = partial ? removeOnForcedExit(partial) : () => undefined;
          try {
            return await target.driver.restore(record, volumeId ?? record.volumeId, out, { signal, onProgress: progress.onProgress });
          } catch (err) {
            progress.stop();
            if (out.leftIncomplete) {
              io.stderr.write(
                `volback restore: ${path} was written in place and the restore did not finish: it now holds part of backup ${id} ` +
                  'and part of its old content. Do not use it: restore again.\n',
              );
            }
            throw err;
          } finally {
            await out.close();
            forget();
          }
        }).finally(() => progress.stop());
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const zeroBytes = result.zeroBytes ?? 0;
        if (output.json) io.stdout.write(jsonLine({ id, target: path, ...result, zeroBytes, seconds }));
        else if (!output.quiet) {
          const figures = { id, volumeBytes: result.volumeBytes, chainLength: result.chain.length, zeroBytes, seconds };
          io.stdout.write(`${restoreSummary(figures, path)}\n`);
        }
        return 0;
      },
      { startWorkers: true },
    );
  },
};
