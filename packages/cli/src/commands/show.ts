import { positionals, storeTarget } from '../args.js';
import { STORE_OPTIONS, type Command } from '../command.js';
import { recordJson } from '../format.js';
import { openTarget } from '../open-target.js';

export const showCommand: Command = {
  name: 'show',
  summary: 'show one backup: its record, chain and dependants',
  usage: '<backup-id> --store <store>',
  options: { ...STORE_OPTIONS },
  async run(args, values, io) {
    const [id] = positionals(args, ['backup-id']) as [string];
    const target = await openTarget(storeTarget(values, io), io);
    try {
      const record = await target.catalog.get(id);
      const chain = (await target.driver.chainOf(record)).map((r) => r.id);
      const dependents = await target.catalog.dependentsOf(id);
      io.stdout.write(JSON.stringify({ ...recordJson(record), chain, dependents }, null, 2) + '\n');
      return 0;
    } finally {
      await target.close();
    }
  },
};
