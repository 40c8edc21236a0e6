import { newBackupRecord, type BackupRecord } from '@volback/core';
import { describe, expect, it } from 'vitest';
import { dependantsJson, dependantsOf, leavesFirst } from '../src/dependants.js';

function backup(id: string, parentId: string | null): BackupRecord {
  return newBackupRecord({ id, volumeId: 'v', parentId });
}

describe('the dependants of a backup', () => {
  it('are the incrementals on it, recursively, newest first, and leaves come first to delete', () => {
    const records = [backup('full', null), backup('i1', 'full'), backup('i2', 'i1'), backup('i3', 'full')];
    const tree = dependantsOf('full', records);
    expect(dependantsJson(tree)).toEqual([
      { id: 'i3', dependents: [] },
      { id: 'i1', dependents: [{ id: 'i2', dependents: [] }] },
    ]);
    expect(leavesFirst(tree).map((r) => r.id)).toEqual(['i3', 'i2', 'i1']);
  });

  it('end where a hostile store makes the parents a loop', () => {
    // a → b → c → a, and c also its own parent: each backup is named once.
    const records = [backup('a', 'c'), backup('b', 'a'), backup('c', 'b'), backup('c2', 'c2')];
    const tree = dependantsOf('a', records);
    expect(leavesFirst(tree).map((r) => r.id)).toEqual(['c', 'b']);
    expect(dependantsOf('c2', records)).toEqual([]);
  });
});
