import type { BackupRecord } from '@volback/core';
import { backupIdArg, storeTarget } from './args.js';
import { backupNamedBy } from './backup-id.js';
import type { ParsedValues } from './command.js';
import type { CliIo } from './io.js';
import { openTarget, type OpenedTarget, type OpenTargetOptions } from './open-target.js';

/** Opens the store named on the command line, runs `fn` on it, and always closes it. */
export async function withTarget<T>(
  values: ParsedValues,
  io: CliIo,
  fn: (target: OpenedTarget) => Promise<T>,
  options: OpenTargetOptions = {},
): Promise<T> {
  const target = await openTarget(storeTarget(values, io), io, options);
  try {
    return await fn(target);
  } finally {
    await target.close();
  }
}

/**
 * The same, for a command about one backup, named by its id or a unique prefix of it: its record
 * is looked up first. The id is checked against the id rules before the store is opened.
 */
export async function withBackup<T>(
  values: ParsedValues,
  io: CliIo,
  backupId: string,
  fn: (target: OpenedTarget, record: BackupRecord) => Promise<T>,
  options: OpenTargetOptions = {},
): Promise<T> {
  backupIdArg(backupId);
  return withTarget(values, io, async (target) => fn(target, await backupNamedBy(target.catalog, backupId, '<backup-id>')), options);
}
