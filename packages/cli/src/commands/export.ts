import { encodeBackupRecord } from '@volback/core/format';
import { positionals } from '../args.js';
import { storeOptions, type Command } from '../command.js';
import { withBackup } from '../open-backup.js';

export const exportCommand: Command = {
  name: 'export',
  summary: "print a backup's record as Cinder's backup-export does (backup_service and backup_url)",
  arguments: [{ name: 'backup-id', description: 'an id or a unique prefix of one' }],
  store: 'store',
  options: { ...storeOptions('store') },
  examples: [['volback export 1f0c --store /srv/backups > export.json', 'for `cinder backup-import`']],
  async run(args, values, io) {
    const [id] = positionals(args, ['backup-id']) as [string];
    return withBackup(values, io, id, async (target, record) => {
      const driverInfo = await target.driver.exportRecord(record);
      const out = { backup_service: record.service ?? target.store.serviceName, backup_url: encodeBackupRecord(record, driverInfo) };
      io.stdout.write(JSON.stringify(out, null, 2) + '\n');
      return 0;
    });
  },
};
