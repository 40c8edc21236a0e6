import { outputMode } from '../output-mode.js';
import { jsonLine } from '../format.js';
import {
  DEFAULT_ORPHAN_GRACE_MS,
  findLeftovers,
  MIN_STALE_MARKER_AGE_MS,
  type CatalogSurvey,
  type ObjectStore,
  type StoreLeftovers,
} from '@volback/core';
import { idOpt, positionals, storeTarget } from '../args.js';
import { storeOptions, type Command } from '../command.js';
import { damagedEntry, listRows, listTable, recordEntry } from '../list-rows.js';
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
      const survey = await target.catalog.survey(volumeId ? { volumeId } : {});
      // The survey has just listed every container: its listing gives every id, of any volume.
      const storeIds = new Set((await target.catalog.namedBackups({ fresh: false })).keys());
      const now = new Date();
      const leftovers = shownLeftovers(await leftoversOf(target.store, volumeId), survey);
      const rows = listRows(survey, leftovers, storeIds, now);
      if (values.json) {
        const statusOf = new Map(rows.map((r) => [r.id, r.status]));
        const orphans = leftovers.orphans.map((o) => ({
          kind: 'orphan',
          ...orphanJson(o, now),
          removeWith: removeWith(o.createdAt, now, storeTarget(values, io)),
        }));
        const entries = [
          ...survey.records.map((r) => recordEntry(r, statusOf.get(r.id) ?? 'ok')),
          ...survey.damaged.map(damagedEntry),
          ...orphans,
        ];
        io.stdout.write(jsonLine(entries));
        return 0;
      }
      if (outputMode(io).quiet) {
        // The ids alone, whole, for a script to loop over.
        io.stdout.write(survey.records.map((r) => `${r.id}\n`).join(''));
        return 0;
      }
      const notes = leftoverLines(leftovers, now, storeTarget(values, io));
      const shown = rows.length === 0 ? 'no backups\n' : listTable(rows, storeIds);
      io.stdout.write(shown + notes.map((n) => n + '\n').join(''));
      return 0;
    });
  },
};

/** The markers on backups the listing shows: a marker on another volume's backup is not this listing's. */
function shownLeftovers(found: StoreLeftovers, survey: CatalogSurvey): StoreLeftovers {
  const shown = new Set([
    ...survey.records.map((r) => `${r.container}\n${r.serviceMetadata}`),
    ...survey.damaged.map((d) => `${d.container}\n${d.prefix}`),
  ]);
  return { orphans: found.orphans, markers: found.markers.filter((m) => shown.has(`${m.container}\n${m.prefix}`)) };
}

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
    const what = `partial: ${describeOrphan(o, now)}`;
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
