import { DEFAULT_ORPHAN_GRACE_MS, findLeftovers, MIN_STALE_MARKER_AGE_MS, type ObjectStore, type StoreLeftovers } from '@volback/core';
import { idOpt, positionals, storeTarget } from '../args.js';
import { storeOptions, type Command } from '../command.js';
import { formatBytes, recordJson, table } from '../format.js';
import { withTarget } from '../open-backup.js';
import { describeOrphan, formatAge, orphanJson, pruneCommandFor } from './prune.js';

export const listCommand: Command = {
  name: 'list',
  summary: 'list the backups in a store, oldest first, and what unfinished ones left',
  arguments: [],
  store: 'store',
  options: {
    ...storeOptions('store'),
    'volume-id': { type: 'string', value: '<id>', description: "only this volume's backups" },
  },
  examples: [
    ['volback list --store /srv/backups', 'a table of every backup'],
    ['volback list --store prod --json', 'the same as JSON, full ids'],
  ],
  async run(args, values, io) {
    positionals(args, []);
    const volumeId = idOpt(values, 'volume-id', 'volume id');
    return withTarget(values, io, async (target) => {
      const records = await target.catalog.list(volumeId ? { volumeId } : {});
      const now = new Date();
      const leftovers = await leftoversOf(target.store, volumeId);
      if (values.json) {
        const orphans = leftovers.orphans.map((o) => ({
          kind: 'orphan',
          ...orphanJson(o, now),
          removeWith: removeWith(o.createdAt, now, storeTarget(values, io)),
        }));
        io.stdout.write(JSON.stringify([...records.map(recordJson), ...orphans], null, 2) + '\n');
        return 0;
      }
      const notes = leftoverLines(leftovers, now, storeTarget(values, io));
      if (records.length === 0) {
        io.stdout.write(['no backups', ...notes].join('\n') + '\n');
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
      io.stdout.write(table(rows) + notes.map((n) => n + '\n').join(''));
      return 0;
    });
  },
};

/**
 * What belongs to no finished backup, where finding it costs no more than the listing did: a
 * store that lists `_metadata` objects alone (a bucket) would have to list every object for it,
 * which `volback prune --dry-run` does.
 */
async function leftoversOf(store: ObjectStore, volumeId: string | undefined): Promise<StoreLeftovers> {
  if (store.listMetadataObjects || !store.listContainers) return { orphans: [], markers: [] };
  const found = await findLeftovers(store);
  return volumeId === undefined ? found : { orphans: found.orphans.filter((o) => o.volumeId === volumeId), markers: found.markers };
}

/** How to remove an unfinished backup's objects: now, if it is past the default grace period. */
function removeWith(createdAt: Date, now: Date, target: string): string {
  const old = now.getTime() - createdAt.getTime() >= DEFAULT_ORPHAN_GRACE_MS;
  return pruneCommandFor(target, old ? undefined : '0');
}

/** A line per unfinished backup and per removal marker on a backup. */
function leftoverLines(leftovers: StoreLeftovers, now: Date, target: string): string[] {
  const lines = leftovers.orphans.map((o) => {
    const old = now.getTime() - o.createdAt.getTime() >= DEFAULT_ORPHAN_GRACE_MS;
    const what = `orphaned: ${describeOrphan(o, now)}`;
    return old
      ? `${what}: it crashed or was killed; remove with: ${removeWith(o.createdAt, now, target)}`
      : `${what}: a backup in progress, or one that crashed; \`volback prune\` removes it once ${formatAge(DEFAULT_ORPHAN_GRACE_MS)} old, ` +
          `or now with: ${removeWith(o.createdAt, now, target)} (if no backup is running)`;
  });
  for (const m of leftovers.markers) {
    const age = now.getTime() - m.markedAt.getTime();
    lines.push(
      age < MIN_STALE_MARKER_AGE_MS
        ? `being deleted: ${m.container}/${m.prefix} (since ${formatAge(age)} ago)`
        : `interrupted delete: ${m.container}/${m.prefix} (${formatAge(age)} ago): incrementals on it fail until it is deleted again or \`volback prune\` removes the marker`,
    );
  }
  return lines;
}
