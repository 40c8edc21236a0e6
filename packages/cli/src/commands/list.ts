import { idOpt, positionals } from '../args.js';
import { STORE_OPTIONS, type Command } from '../command.js';
import { formatBytes, recordJson, table } from '../format.js';
import { withTarget } from '../open-backup.js';

export const listCommand: Command = {
  name: 'list',
  summary: 'list the backups in a store, oldest first',
  usage: '--store <store> [--volume-id ID] [--json]',
  options: { ...STORE_OPTIONS, 'volume-id': { type: 'string' } },
  async run(args, values, io) {
    positionals(args, []);
    const volumeId = idOpt(values, 'volume-id', 'volume id');
    return withTarget(values, io, async (target) => {
      const records = await target.catalog.list(volumeId ? { volumeId } : {});
      if (values.json) {
        io.stdout.write(JSON.stringify(records.map(recordJson), null, 2) + '\n');
        return 0;
      }
      if (records.length === 0) {
        io.stdout.write('no backups\n');
        return 0;
      }
      const rows = [['ID', 'CREATED (UTC)', 'KIND', 'PARENT', 'VOLUME', 'SIZE', 'OBJECTS', 'NAME']];
      for (const r of records) {
        rows.push([
          r.id,
          r.createdAt.toISOString().slice(0, 19).replace('T', ' '),
          r.parentId ? 'incr' : 'full',
          r.parentId ? r.parentId.slice(0, 8) : '-',
          r.volumeId,
          r.volumeBytes !== undefined ? formatBytes(r.volumeBytes) : `${r.size} GiB`,
          String(r.objectCount),
          r.displayName ?? '',
        ]);
      }
      io.stdout.write(table(rows));
      return 0;
    });
  },
};
