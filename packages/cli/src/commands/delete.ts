import { InvalidBackupError } from '@volback/core';
import { positionals, storeTarget } from '../args.js';
import { STORE_OPTIONS, type Command } from '../command.js';
import { openTarget } from '../open-target.js';

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'delete a backup that no incremental depends on',
  usage: '<backup-id> --store <store>',
  options: { ...STORE_OPTIONS },
  async run(args, values, io) {
    const [id] = positionals(args, ['backup-id']) as [string];
    const target = await openTarget(storeTarget(values, io), io);
    try {
      const record = await target.catalog.get(id);
      const dependents = await target.catalog.dependentsOf(id);
      if (dependents.length > 0) {
        // Cinder refuses too: deleting a parent would make every incremental on it unrestorable.
        throw new InvalidBackupError(`incremental backups depend on ${id} (${dependents.join(', ')}): delete them first`);
      }
      await target.driver.deleteBackup(record);
      io.stdout.write(values.json ? JSON.stringify({ id, deleted: true }) + '\n' : `deleted backup ${id}\n`);
      return 0;
    } finally {
      await target.close();
    }
  },
};
