import {
  MIN_STALE_MARKER_AGE_MS,
  uniqueIdPrefixes,
  type BackupRecord,
  type CatalogSurvey,
  type DamagedBackup,
  type MarkerOnBackup,
  type StoreLeftovers,
} from '@volback/core';
import { metadataObjectName } from '@volback/core/format';
import { utcTime } from './backup-id.js';
import { formatBytes, recordJson, table } from './format.js';

/** What `list` shows of one backup: a record, a damaged `_metadata`, or an unfinished backup's objects. */
export interface ListRow {
  id: string;
  volumeId: string | null;
  parentId: string | null;
  createdAt: Date | null;
  bytes: number | null;
  objects: number | null;
  status: string;
  name: string | null;
}

/** Characters of a damaged backup's reason in the table; `--json` has it whole. */
const REASON_CHARS = 60;

/**
 * The rows of `list`, oldest first: every readable backup with its standing, each damaged
 * `_metadata` and each unfinished backup. `storeIds` are the ids of every backup the store
 * lists (of any volume): a parent among them is not missing.
 */
export function listRows(survey: CatalogSurvey, leftovers: StoreLeftovers, storeIds: ReadonlySet<string>, now: Date): ListRow[] {
  const damagedIds = new Set(survey.damaged.map((d) => d.id));
  const rows: ListRow[] = survey.records.map((r) => ({
    id: r.id,
    volumeId: r.volumeId,
    parentId: r.parentId,
    createdAt: r.createdAt,
    bytes: r.volumeBytes ?? null,
    objects: r.objectCount,
    status: recordStatus(r, leftovers.markers, storeIds, damagedIds, now),
    name: r.displayName,
  }));
  for (const d of survey.damaged) {
    rows.push({ ...nameOnly(d), status: `damaged: ${shortReason(d)}` });
  }
  for (const o of leftovers.orphans) {
    rows.push({ ...nameOnly({ ...o, id: o.backupId }), objects: o.objects.length, status: 'partial' });
  }
  // Stable: records keep the catalog's order (parents before incrementals of the same second).
  return rows.sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0));
}

/** The table of `rows`, ids as the shortest prefixes (8 characters or more) that every command takes for them. */
export function listTable(rows: ListRow[], storeIds: ReadonlySet<string>): string {
  const prefixes = uniqueIdPrefixes([...storeIds, ...rows.map((r) => r.id)]);
  const short = (id: string): string => prefixes.get(id) ?? id;
  const cells = [['ID', 'VOLUME', 'PARENT', 'CREATED (UTC)', 'SIZE', 'OBJECTS', 'STATUS', 'NAME']];
  for (const r of rows) {
    cells.push([
      short(r.id),
      r.volumeId ?? '?',
      r.parentId ? short(r.parentId) : r.status.startsWith('damaged') || r.status === 'partial' ? '?' : '-',
      r.createdAt ? utcTime(r.createdAt) : '?',
      r.bytes === null ? '-' : formatBytes(r.bytes),
      r.objects === null ? '-' : String(r.objects),
      r.status,
      r.name ?? '',
    ]);
  }
  return table(cells);
}

/** A record for `--json`, with its standing. */
export function recordEntry(r: BackupRecord, status: string): Record<string, unknown> {
  return { ...recordJson(r), status };
}

/** A damaged backup for `--json`: no record, only what its name gives and why it cannot be read. */
export function damagedEntry(d: DamagedBackup): Record<string, unknown> {
  return {
    kind: 'damaged',
    id: d.id,
    volumeId: d.volumeId,
    container: d.container,
    prefix: d.prefix,
    createdAt: d.createdAt?.toISOString() ?? null,
    code: d.error.code,
    reason: d.error.message,
  };
}

function recordStatus(
  r: BackupRecord,
  markers: MarkerOnBackup[],
  storeIds: ReadonlySet<string>,
  damagedIds: ReadonlySet<string>,
  now: Date,
): string {
  const marker = markers.find((m) => m.container === r.container && m.prefix === r.serviceMetadata);
  if (marker) return now.getTime() - marker.markedAt.getTime() < MIN_STALE_MARKER_AGE_MS ? 'being deleted' : 'interrupted delete';
  if (r.parentId && damagedIds.has(r.parentId)) return 'incremental, parent damaged';
  if (r.parentId && !storeIds.has(r.parentId)) return 'incremental, parent missing';
  return 'ok';
}

function nameOnly(b: { id: string; volumeId: string | null; createdAt: Date | null }): ListRow {
  return { id: b.id, volumeId: b.volumeId, parentId: null, createdAt: b.createdAt, bytes: null, objects: null, status: '', name: null };
}

/** The error's message without the object's long name (the row says which backup), cut short. */
function shortReason(d: DamagedBackup): string {
  const text = `${d.error.code}: ${d.error.message.replaceAll(metadataObjectName(d.prefix), '_metadata')}`;
  const chars = [...text];
  return chars.length > REASON_CHARS ? `${chars.slice(0, REASON_CHARS - 1).join('')}…` : text;
}
