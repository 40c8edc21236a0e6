import { FileRestoreTarget } from '@volback/core';
import { idOpt, positionals } from '../args.js';
import { STORE_OPTIONS, type Command } from '../command.js';
import { withInterrupt } from '../interrupt.js';
import { withBackup } from '../open-backup.js';
import { outputOptions } from '../output-options.js';
import { progressReporter } from '../progress-reporter.js';
import { restoreSummary } from '../result-summary.js';
import { runningBackupSources } from '../running-backups.js';
import { removeOnForcedExit } from '../supervised-run.js';

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'restore a backup (its whole chain) into a file or block device, verifying every block',
  usage: '<backup-id> <target-file|device> --from <store> [--volume-id ID] [--json]',
  options: { ...STORE_OPTIONS, 'volume-id': { type: 'string' } },
  async run(args, values, io) {
    const [id, path] = positionals(args, ['backup-id', 'target']) as [string, string];
    const volumeId = idOpt(values, 'volume-id', 'volume id');
    return withBackup(
      values,
      io,
      id,
      async (target, record) => {
        const started = process.hrtime.bigint();
        const output = outputOptions(values);
        const progress = progressReporter(io, output);
        const result = await withInterrupt(io, async (signal) => {
          // Refused: a target inside the store, or what a running backup reads.
          const out = await FileRestoreTarget.open(path, {
            guard: { store: target.store, protectedFiles: await runningBackupSources(io) },
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
        const zeroBytes = progress.last()?.zeroBytes ?? 0;
        if (output.json) io.stdout.write(JSON.stringify({ id, target: path, ...result, zeroBytes, seconds }, null, 2) + '\n');
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
