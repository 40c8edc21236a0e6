import { StoreCatalog } from '../catalog.js';
import { ChunkedBackupDriver } from '../chunked-backup-driver.js';
import type { ObjectStore } from '../object-store.js';
import { findLeftovers } from '../orphans.js';
import { BufferRestoreTarget } from '../restore-target.js';
import { sha256Hex } from './test-data.js';

/**
 * What is wrong with a store, as a user who trusts it would find out: each backup it lists that
 * does not restore (a missing parent, a missing or damaged object) or restores other bytes than
 * `contents` says it was made of (SHA-256 by backup id), and each object or removal marker left
 * that belongs to no finished backup. Empty when the store is sound. Restores into memory: for
 * test-sized volumes.
 */
export async function storeProblems(store: ObjectStore, contents: ReadonlyMap<string, string>): Promise<string[]> {
  const problems: string[] = [];
  const driver = new ChunkedBackupDriver(store, { workers: 0 });
  for (const record of await new StoreCatalog(store).list()) {
    const target = new BufferRestoreTarget();
    try {
      await driver.restore(record, 'restored', target);
      const expected = contents.get(record.id);
      if (sha256Hex(target.data) !== expected)
        problems.push(`backup ${record.id} restores other bytes than it was made of (${expected ? 'changed' : 'unknown backup'})`);
    } catch (err) {
      problems.push(
        `backup ${record.id} is listed but does not restore: ${(err as { code?: string }).code ?? 'untyped'}: ${(err as Error).message}`,
      );
    }
  }
  const { orphans, markers } = await findLeftovers(store);
  for (const o of orphans) problems.push(`${o.objects.length} object(s) of unfinished backup ${o.backupId} left in ${o.container}`);
  for (const m of markers) problems.push(`removal marker left on ${m.container}/${m.prefix}`);
  return problems;
}
