import type { BackupRecord } from '@volback/core';

/** A backup and the incrementals built on it, recursively, newest first at each level. */
export interface DependantsTree {
  /** The backup. */
  record: BackupRecord;
  /** The incrementals whose parent it is. */
  dependents: DependantsTree[];
}

/**
 * The incrementals built on backup `id`, recursively, among `records` (the backups of its
 * volume, oldest first as the catalog lists them). A loop of parents (a hostile store) is cut
 * where a backup comes round again.
 */
export function dependantsOf(id: string, records: readonly BackupRecord[], seen = new Set([id])): DependantsTree[] {
  const children = records.filter((r) => r.parentId === id && !seen.has(r.id)).reverse();
  for (const c of children) seen.add(c.id);
  return children.map((record) => ({ record, dependents: dependantsOf(record.id, records, seen) }));
}

/** Every backup in `trees`, each after its dependants (leaves first, newest first): an order to delete them in. */
export function leavesFirst(trees: readonly DependantsTree[]): BackupRecord[] {
  return trees.flatMap((t) => [...leavesFirst(t.dependents), t.record]);
}

/** `trees` as JSON: ids, nested. */
export function dependantsJson(trees: readonly DependantsTree[]): { id: string; dependents: unknown[] }[] {
  return trees.map((t) => ({ id: t.record.id, dependents: dependantsJson(t.dependents) }));
}
