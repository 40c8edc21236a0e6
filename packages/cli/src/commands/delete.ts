import { InvalidBackupError } from '@volback/core';
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
      const dependents = await target.catalog.dependentsOf(id);
      if (dependents.length > 0) {
        // Cinder refuses too: deleting a parent would make every incremental on it unrestorable.
        throw new InvalidBackupError(`incremental backups depend on ${id} (${dependents.join(', ')}): delete them first`);
      }
      await target.driver.deleteBackup(record);
      io.stdout.write(values.json ? JSON.stringify({ id, deleted: true }) + '\n' : `deleted backup ${id}\n`);
      return 0;
    });
  },
};
