import { encodeBackupRecord } from '@volback/core/format';
import { positionals } from '../args.js';
import { STORE_OPTIONS, type Command } from '../command.js';
import { withBackup } from '../open-backup.js';

export const exportCommand: Command = {
  name: 'export',
  summary: "print a backup's record as Cinder's backup-export does (backup_service and backup_url)",
  usage: '<backup-id> --store <store>',
  options: { ...STORE_OPTIONS },
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
