import { idOpt, positionals } from '../args.js';
import { STORE_OPTIONS, type Command } from '../command.js';
import { formatBytes } from '../format.js';
import { withInterrupt } from '../interrupt.js';
import { withBackup } from '../open-backup.js';
import { progressLine } from '../progress-line.js';
import { openRestoreTarget } from '../restore-target-open.js';
import { runningBackupSources } from '../running-backups.js';
import { removeOnForcedExit } from '../supervised-run.js';

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'restore a backup (its whole chain) into a file or block device, verifying every block',
  usage: '<backup-id> <target-file|device> --from <store> [--volume-id ID] [--force] [--json]',
  options: { ...STORE_OPTIONS, 'volume-id': { type: 'string' }, force: { type: 'boolean' } },
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
            const onProgress = progressLine(io);
            return await target.driver.restore(record, volumeId ?? record.volumeId, out, {
              signal,
              ...(onProgress ? { onProgress } : {}),
            });
          } catch (err) {
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
        });
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (values.json) io.stdout.write(JSON.stringify({ id, target: path, ...result, seconds }, null, 2) + '\n');
        else {
          io.stdout.write(
            `restored backup ${id} into ${path}: ${formatBytes(result.volumeBytes)}, chain of ${result.chain.length}, verified, ${seconds.toFixed(2)} s\n`,
          );
        }
        return 0;
      },
      { startWorkers: true },
    );
  },
};
