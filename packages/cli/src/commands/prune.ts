import { outputMode } from '../output-mode.js';
import { jsonLine } from '../format.js';
import { DEFAULT_ORPHAN_GRACE_MS, pruneLeftovers, type MarkerOnBackup, type OrphanedBackup } from '@volback/core';
import { positionals, stringOpt } from '../args.js';
import { storeOptions, type Command } from '../command.js';
import { withInterrupt } from '../interrupt.js';
import { UsageError } from '../io.js';
import { withTarget } from '../open-backup.js';

export const pruneCommand: Command = {
  name: 'prune',
  summary: 'remove the objects of backups that never finished (crashed or killed), older than a grace period',
  details: 'Without locks only age tells a crashed backup from a running one: the grace period must exceed your longest backup.',
  arguments: [],
  store: 'store',
  options: {
    ...storeOptions('store'),
    'older-than': { type: 'string', value: '<age>', description: 'grace period: 0, 90s, 30m, 24h, 7d (default) or 2w' },
    'dry-run': { type: 'boolean', description: 'say what would be removed, remove nothing' },
  },
  examples: [
    ['volback prune --store /srv/backups --dry-run', 'what crashed backups left, older than 7 days'],
    ['volback prune --store /srv/backups --older-than 0', 'all of it, once no backup is running'],
  ],
  async run(args, values, io) {
    positionals(args, []);
    const given = stringOpt(values, 'older-than');
    const olderThanMs = given === undefined ? DEFAULT_ORPHAN_GRACE_MS : parseDuration(given);
    const dryRun = values['dry-run'] === true;
    return withTarget(values, io, async (target) => {
      const now = new Date();
      const report = await withInterrupt(io, (signal) => pruneLeftovers(target.store, { olderThanMs, dryRun, now, signal }));
      if (values.json) {
        const json = {
          dryRun,
          olderThanSeconds: olderThanMs / 1000,
          removed: report.removed.map((o) => orphanJson(o, now)),
          young: report.young.map((o) => orphanJson(o, now)),
          finishedMeanwhile: report.finishedMeanwhile.map((o) => orphanJson(o, now)),
          markersRemoved: report.markersRemoved.map((m) => markerJson(m, now)),
          incompleteWritesRemoved: report.incompleteWritesRemoved,
        };
        io.stdout.write(jsonLine(json));
        return 0;
      }
      const verb = dryRun ? 'would remove' : 'removed';
      const lines: string[] = [];
      for (const o of report.removed) lines.push(`${verb} ${describeOrphan(o, now)}`);
      for (const o of report.finishedMeanwhile)
        lines.push(`left ${describeOrphan(o, now)}: it wrote its _metadata meanwhile (it fails on its own if it lost objects)`);
      for (const m of report.markersRemoved) lines.push(`${verb} the marker an interrupted delete left on ${describeMarker(m, now)}`);
      if (report.incompleteWritesRemoved > 0)
        lines.push(`${verb} ${report.incompleteWritesRemoved} temporary file(s) of writes a killed process never finished`);
      if (report.young.length > 0) {
        lines.push(
          `kept ${report.young.length} unfinished backup(s) younger than ${formatAge(olderThanMs)}, maybe still running: ` +
            report.young.map((o) => o.backupId).join(', '),
        );
      }
      if (!outputMode(io).quiet) io.stdout.write((lines.length > 0 ? lines.join('\n') : 'nothing to prune') + '\n');
      return 0;
    });
  },
};

/** `0`, `90s`, `30m`, `24h`, `7d`, `2w` in milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)(s|m|h|d|w)?$/.exec(text.trim());
  if (!m || (m[2] === undefined && m[1] !== '0')) {
    throw new UsageError(`--older-than must be a duration such as 0, 90s, 30m, 24h, 7d or 2w: got "${text}"`);
  }
  const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] ?? 's'] as number;
  return Number(m[1]) * unit * 1000;
}

/** The largest whole unit of a duration: `3 d`, `5 h`, `40 s`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s >= 86400) return `${Math.floor(s / 86400)} d`;
  if (s >= 3600) return `${Math.floor(s / 3600)} h`;
  if (s >= 60) return `${Math.floor(s / 60)} min`;
  return `${s} s`;
}

/** One unfinished backup in words. */
export function describeOrphan(o: OrphanedBackup, now: Date): string {
  return (
    `${o.objects.length} object(s) of unfinished backup ${o.backupId} of volume ${o.volumeId}, ` +
    `made ${formatAge(now.getTime() - o.createdAt.getTime())} ago (${o.container}/${o.prefix})`
  );
}

function describeMarker(m: MarkerOnBackup, now: Date): string {
  return `${m.container}/${m.prefix} (${formatAge(now.getTime() - m.markedAt.getTime())} ago)`;
}

/** An unfinished backup as `--json` prints it (`list` too, with `kind: "orphan"`). */
export function orphanJson(o: OrphanedBackup, now: Date): Record<string, unknown> {
  return {
    backupId: o.backupId,
    volumeId: o.volumeId,
    container: o.container,
    prefix: o.prefix,
    objectCount: o.objects.length,
    createdAt: o.createdAt.toISOString(),
    ageSeconds: Math.floor((now.getTime() - o.createdAt.getTime()) / 1000),
  };
}

function markerJson(m: MarkerOnBackup, now: Date): Record<string, unknown> {
  return {
    container: m.container,
    prefix: m.prefix,
    name: m.name,
    markedAt: m.markedAt.toISOString(),
    ageSeconds: Math.floor((now.getTime() - m.markedAt.getTime()) / 1000),
  };
}

/**
 * The prune command line for a store, to print: the target only when it is a plain path or
 * file URL, which hold no secrets; a remote target is written `<store>`.
 */
export function pruneCommandFor(target: string, olderThan?: string): string {
  const shown = /^(file:\/\/)?[\w./~+-]+$/.test(target) ? target : '<store>';
  return `volback prune --store ${shown}${olderThan ? ` --older-than ${olderThan}` : ''}`;
}
