import { positionals } from '../args.js';
import { storeOptions, type Command } from '../command.js';
import { formatBytes } from '../format.js';
import { withInterrupt } from '../interrupt.js';
import { withBackup } from '../open-backup.js';
import { progressLine } from '../progress-line.js';

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
        const result = await withInterrupt(io, (signal) => {
          const onProgress = progressLine(io);
          return target.driver.verify(record, { signal, ...(onProgress ? { onProgress } : {}) });
        });
        if (values.json) io.stdout.write(JSON.stringify({ id, ok: true, ...result }, null, 2) + '\n');
        else io.stdout.write(`backup ${id} is intact: ${formatBytes(result.volumeBytes)}, chain of ${result.chain.length}\n`);
        return 0;
      },
      { startWorkers: true },
    );
  },
};
