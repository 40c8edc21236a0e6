import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectStore } from '@volback/core';
import { createPosixStore, TEMP_FILE_PREFIX } from '../src/index.js';
import { listTree, makeTempDir } from './temp-root.js';

let root: string;
let cleanup: () => Promise<void>;
let store: ObjectStore;
beforeEach(async () => {
  ({ dir: root, cleanup } = await makeTempDir('incomplete'));
  store = createPosixStore({ root, fsync: false });
});
afterEach(async () => {
  await cleanup();
});

describe('removeIncompleteWrites', () => {
  it('removes the temporary files of puts a killed process left, once old, and nothing else', async () => {
    const hourAgo = new Date(Date.now() - 3600 * 1000);
    await store.ensureContainer('ab/cd/abcd');
    await store.putObject('ab/cd/abcd', 'volume_v_20260101000000_backup_abcd-00001', new Uint8Array(10));
    const stale = join(root, 'ab/cd/abcd', `${TEMP_FILE_PREFIX}0001`);
    const fresh = join(root, 'ab/cd/abcd', `${TEMP_FILE_PREFIX}0002`);
    const inRoot = join(root, `${TEMP_FILE_PREFIX}0003`);
    for (const path of [stale, fresh, inRoot]) await writeFile(path, 'partial');
    for (const path of [stale, inRoot]) await utimes(path, hourAgo, hourAgo);
    const before = await listTree(root);

    const cutoff = new Date(Date.now() - 60 * 1000);
    expect(await store.removeIncompleteWrites?.(cutoff, { dryRun: true })).toBe(1);
    expect(await listTree(root)).toEqual(before);
    expect(await store.removeIncompleteWrites?.(cutoff)).toBe(1);
    expect(await listTree(root)).toEqual(before.filter((p) => !p.endsWith(`${TEMP_FILE_PREFIX}0001`)));
    // An object never goes, however old; a temporary file only once written before the cut-off.
    expect(await store.listObjects('ab/cd/abcd', '')).toEqual(['volume_v_20260101000000_backup_abcd-00001']);
    expect(await store.removeIncompleteWrites?.(new Date(Date.now() + 1000))).toBe(1);
    expect(await store.removeIncompleteWrites?.(new Date(Date.now() + 1000))).toBe(0);
  });

  it('finds nothing in a missing root', async () => {
    expect(await createPosixStore({ root: join(root, 'absent') }).removeIncompleteWrites?.(new Date())).toBe(0);
  });
});
