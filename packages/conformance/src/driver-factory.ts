import { ChunkedBackupDriver, type BackupDriver, type ObjectStore } from '@volback/core';
import type { ConformanceTarget, DriverTestContext } from './runner.js';

/**
 * The driver under test: the target's own, else core's chunked engine over the store with its
 * default object size, the size every host's backups have. Null when neither is possible.
 */
export async function createDriverFor(
  target: ConformanceTarget,
  store: ObjectStore | undefined,
  context: DriverTestContext,
): Promise<BackupDriver | null> {
  if (target.createDriver) return target.createDriver(store, context);
  if (!store) return null;
  return new ChunkedBackupDriver(store, { catalog: context.catalog });
}
