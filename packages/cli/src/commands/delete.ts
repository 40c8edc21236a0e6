import { positionals } from '../args.js';
import { storeOptions, type Command } from '../command.js';
import { withBackup } from '../open-backup.js';

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'delete a backup that no incremental depends on',
  arguments: [{ name: 'backup-id', description: 'an id or a unique prefix of one' }],
  store: 'store',
  options: { ...storeOptions('store') },
  examples: [['volback delete 1f0c --store /srv/backups', 'delete one backup']],
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
