import { ChunkedBackupDriver, type BackupDriver, type ObjectStore } from '@volback/core';
import type { ConformanceTarget, DriverTestContext } from './runner.js';

/** Object size of the default driver: small, so a few-MiB volume spans many objects on every backend. */
export const SUITE_OBJECT_SIZE = 256 * 1024;

/** The driver under test: the target's own, else core's chunked engine over the store. Null when neither is possible. */
export async function createDriverFor(
  target: ConformanceTarget,
  store: ObjectStore | undefined,
  context: DriverTestContext,
): Promise<BackupDriver | null> {
  if (target.createDriver) return target.createDriver(store, context);
  if (!store) return null;
  return new ChunkedBackupDriver(store, { objectSize: SUITE_OBJECT_SIZE, catalog: context.catalog });
}
