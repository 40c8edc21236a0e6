import { outputMode } from '../output-mode.js';
import { InvalidBackupError, type BackupRecord } from '@volback/core';
import { positionals } from '../args.js';
import { storeOptions, type Command } from '../command.js';
import { utcTime } from '../backup-id.js';
import { dependantsOf, leavesFirst } from '../dependants.js';
import { jsonLine, printable } from '../format.js';
import type { CliIo } from '../io.js';
import { withBackup } from '../open-backup.js';

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'delete a backup; one that incrementals depend on only with --force, which deletes them too',
  arguments: [{ name: 'backup-id', description: 'an id or a unique prefix of one' }],
  store: 'store',
  options: {
    ...storeOptions('store'),
    force: { type: 'boolean', description: 'also delete the incrementals that depend on it (leaves first), saying each one' },
    'dry-run': { type: 'boolean', description: 'say what would be deleted, delete nothing' },
  },
  examples: [
    ['volback delete 1f0c --store /srv/backups', 'delete one backup no incremental depends on'],
    ['volback delete 1f0c --store /srv/backups --force --dry-run', 'what --force would delete with it'],
    ['volback delete 1f0c --store /srv/backups --force', 'the backup and every incremental on it'],
  ],
  async run(args, values, io) {
    const [id] = positionals(args, ['backup-id']) as [string];
    return withBackup(values, io, id, async (target, record) => {
      const volume = await target.catalog.survey({ volumeId: record.volumeId });
      const dependants = leavesFirst(dependantsOf(record.id, volume.records));
      if (dependants.length > 0 && values.force !== true) {
        throw new InvalidBackupError(
          `incremental backups depend on ${record.id}: ${describe(dependants)}; ` +
            'deleting it would leave them unrestorable. --force deletes them too (--force --dry-run shows what it would delete)',
        );
      }
      const plan = [...dependants, record];
      if (values['dry-run'] === true) {
        const ids = plan.map((r) => r.id);
        io.stdout.write(
          values.json ? jsonLine({ id: record.id, dryRun: true, wouldDelete: ids }) : ids.map((i) => `would delete backup ${i}\n`).join(''),
        );
        return 0;
      }
      const { json, quiet } = outputMode(io);
      const deleted = await deleteInOrder(plan, (r) => target.driver.deleteBackup(r), io, !json && !quiet);
      if (json) io.stdout.write(jsonLine({ id: record.id, deleted }));
      else if (deleted.length > 1 && !quiet) io.stdout.write(`deleted ${deleted.length} backups\n`);
      return 0;
    });
  },
};

/**
 * Deletes `plan` in its order (dependants before what they depend on), saying each as it goes.
 * Each delete refuses while an incremental depends on its backup, also one made since the plan
 * was drawn up: then the failure says what was already deleted.
 */
async function deleteInOrder(plan: BackupRecord[], remove: (r: BackupRecord) => Promise<void>, io: CliIo, say: boolean): Promise<string[]> {
  const deleted: string[] = [];
  for (const r of plan) {
    try {
      await remove(r);
    } catch (err) {
      if (deleted.length > 0) {
        const left = plan.slice(deleted.length).map((p) => p.id);
        io.stderr.write(
          printable(
            `volback delete: deleted ${deleted.length} backup(s) before this failure: ${deleted.join(', ')}; not deleted: ${left.join(', ')}`,
          ) + '\n',
        );
      }
      throw err;
    }
    deleted.push(r.id);
    if (say) io.stdout.write(`deleted backup ${r.id}\n`);
  }
  return deleted;
}

/** `a (incremental of b, 2024-05-01 12:00:00 UTC), …`, the first ten. */
function describe(records: BackupRecord[]): string {
  const shown = records.slice(0, 10).map((r) => `${r.id} (incremental of ${r.parentId}, ${utcTime(r.createdAt)} UTC)`);
  return shown.join(', ') + (records.length > shown.length ? ` and ${records.length - shown.length} more` : '');
}
