import { positionals } from '../args.js';
import { storeOptions, type Command } from '../command.js';
import { recordJson } from '../format.js';
import { withBackup } from '../open-backup.js';

export const showCommand: Command = {
  name: 'show',
  summary: 'show one backup: its record, chain and dependants',
  arguments: [{ name: 'backup-id', description: 'an id or a unique prefix of one' }],
  store: 'store',
  options: { ...storeOptions('store') },
  examples: [['volback show 1f0c --store /srv/backups', 'its record, the chain it restores and what depends on it']],
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
