import type { BackupRecord } from '../src/backup-record.js';
import { newBackupRecord } from '../src/backup-record.js';
import { MemoryCatalog } from '../src/catalog.js';
import { ChunkedBackupDriver, type ChunkedDriverOptions } from '../src/chunked-backup-driver.js';
import { MemoryObjectStore } from '../src/memory-object-store.js';
import type { ObjectStore } from '../src/object-store.js';
import { BufferRestoreTarget } from '../src/restore-target.js';
import { BufferVolumeSource } from '../src/volume-source.js';

export const KiB = 1024;
export const MiB = 1024 * 1024;

/** A driver on an in-memory store with small objects, so chains and boundaries stay cheap. */
export function makeDriver(options: ChunkedDriverOptions = {}, store: ObjectStore = new MemoryObjectStore()) {
  const catalog = new MemoryCatalog();
  const driver = new ChunkedBackupDriver(store, { objectSize: 256 * KiB, catalog, ...options });
  return { driver, store, catalog };
}

/** Backs up `data` (incremental when `parent` is given) and registers the record. */
export async function backupBytes(
  ctx: ReturnType<typeof makeDriver>,
  data: Uint8Array,
  parent?: BackupRecord,
  opts: Parameters<ChunkedBackupDriver['backup']>[2] = {},
) {
  const record = newBackupRecord({ volumeId: 'vol-1', parentId: parent?.id ?? null });
  const result = await ctx.driver.backup(record, new BufferVolumeSource(data), opts);
  ctx.catalog.put(result.record);
  return result;
}

export async function restoreBytes(ctx: ReturnType<typeof makeDriver>, record: BackupRecord): Promise<Uint8Array> {
  const target = new BufferRestoreTarget();
  await ctx.driver.restore(record, 'vol-restored', target);
  return target.data;
}
