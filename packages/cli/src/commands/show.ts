import { hasErrorCode, type BackupRecord } from '@volback/core';
import { positionals } from '../args.js';
import { utcTime } from '../backup-id.js';
import { storeOptions, type Command } from '../command.js';
import { dependantsJson, dependantsOf, type DependantsTree } from '../dependants.js';
import { formatBytes, jsonLine, printable, recordJson, table } from '../format.js';
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
      let chain: BackupRecord[] | null = null;
      let broken = '';
      try {
        chain = await target.driver.chainOf(record);
      } catch (err) {
        // Shown all the same: what is there says what to import or restore first.
        if (!hasErrorCode(err, 'E_NOT_FOUND')) throw err;
        broken = (err as Error).message;
      }
      const volume = await target.catalog.survey({ volumeId: record.volumeId });
      const dependents = dependantsOf(record.id, volume.records);
      if (values.json) {
        const json = {
          ...recordJson(record),
          chain: chain?.map((r) => r.id) ?? null,
          ...(broken ? { chainError: broken } : {}),
          dependents: dependents.map((d) => d.record.id),
          dependentsTree: dependantsJson(dependents),
        };
        io.stdout.write(jsonLine(json));
        return 0;
      }
      const lines = [...recordLines(record), '', 'chain:', ...chainTree(chain ?? [record], record.id, dependents)];
      if (broken) lines.push(`the chain is broken: ${broken}`);
      if (volume.damaged.length > 0) {
        lines.push(
          `${volume.damaged.length} backup(s) of volume ${record.volumeId} cannot be read (see volback list): dependants among them are not shown`,
        );
      }
      // Ids and names come from the store: made printable, as the table's cells are.
      io.stdout.write(lines.map((l) => printable(l)).join('\n') + '\n');
      return 0;
    });
  },
};

/** `key: value` lines of the record. */
function recordLines(r: BackupRecord): string[] {
  const rows: [string, string][] = [
    ['id:', r.id],
    ['volume:', r.volumeId],
    ['kind:', r.parentId ? 'incremental' : 'full'],
    ['parent:', r.parentId ?? '-'],
    ['created:', `${utcTime(r.createdAt)} UTC`],
    ['size:', r.volumeBytes !== undefined ? formatBytes(r.volumeBytes) : `${r.size} GiB`],
    ['objects:', String(r.objectCount)],
    ['container:', r.container ?? '-'],
    ['prefix:', r.serviceMetadata ?? '-'],
    ['name:', r.displayName ?? '-'],
    ['description:', r.displayDescription ?? '-'],
    ['service:', r.service ?? '-'],
  ];
  return table(rows).trimEnd().split('\n');
}

/**
 * The chain from its full backup down to the shown one, each a level deeper, then the shown
 * backup's dependants beneath it as a tree.
 */
function chainTree(chain: BackupRecord[], shownId: string, dependents: DependantsTree[]): string[] {
  const lines: string[] = [];
  let indent = '';
  chain.forEach((r, i) => {
    const branch = i === 0 ? '' : '└─ ';
    lines.push(`${indent}${branch}${describe(r)}${r.id === shownId ? '   <- this backup' : ''}`);
    if (i > 0) indent += '   ';
  });
  const below = (trees: DependantsTree[], pad: string): void => {
    trees.forEach((t, i) => {
      const last = i === trees.length - 1;
      lines.push(`${pad}${last ? '└─ ' : '├─ '}${describe(t.record)}`);
      below(t.dependents, pad + (last ? '   ' : '│  '));
    });
  };
  below(dependents, indent);
  return lines;
}

function describe(r: BackupRecord): string {
  const name = r.displayName ? `  ${r.displayName}` : '';
  return `${r.id}  ${r.parentId ? 'incremental' : 'full'}  ${utcTime(r.createdAt)}${name}`;
}
