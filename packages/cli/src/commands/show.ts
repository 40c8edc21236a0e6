import { positionals } from '../args.js';
import { STORE_OPTIONS, type Command } from '../command.js';
import { recordJson } from '../format.js';
import { withBackup } from '../open-backup.js';

export const showCommand: Command = {
  name: 'show',
  summary: 'show one backup: its record, chain and dependants',
  usage: '<backup-id> --store <store>',
  options: { ...STORE_OPTIONS },
  async run(args, values, io) {
    const [id] = positionals(args, ['backup-id']) as [string];
    return withBackup(values, io, id, async (target, record) => {
      const chain = (await target.driver.chainOf(record)).map((r) => r.id);
      const dependents = await target.catalog.dependentsOf(id);
      io.stdout.write(JSON.stringify({ ...recordJson(record), chain, dependents }, null, 2) + '\n');
      return 0;
    });
  },
};
