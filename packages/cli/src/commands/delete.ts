import { positionals } from '../args.js';
import { STORE_OPTIONS, type Command } from '../command.js';
import { withBackup } from '../open-backup.js';

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'delete a backup that no incremental depends on',
  usage: '<backup-id> --store <store>',
  options: { ...STORE_OPTIONS },
  async run(args, values, io) {
    const [id] = positionals(args, ['backup-id']) as [string];
    return withBackup(values, io, id, async (target, record) => {
      // The driver refuses while an incremental depends on it, also one being made right now.
      await target.driver.deleteBackup(record);
      io.stdout.write(values.json ? JSON.stringify({ id, deleted: true }) + '\n' : `deleted backup ${id}\n`);
      return 0;
    });
  },
};
