import { AmbiguousBackupIdError, checkIdentifier, type BackupRecord, type StoreCatalog } from '@volback/core';
import { table } from './format.js';
import { UsageError } from './io.js';

/**
 * The backup a command line names by its id or a unique prefix of it (`3f2a9c01`), checked
 * against the id rules before the store is asked. A prefix of several backups is a usage error
 * (exit 2) that lists them, so the user can pick one.
 * @param field where it was given (`<backup-id>`, `--parent`), for the messages.
 */
export async function backupNamedBy(catalog: StoreCatalog, given: string, field: string): Promise<BackupRecord> {
  checkIdentifier('backup id', given, field);
  try {
    return await catalog.getByIdOrPrefix(given, field);
  } catch (err) {
    if (!(err instanceof AmbiguousBackupIdError)) throw err;
    const rows = [['ID', 'VOLUME', 'CREATED (UTC)']];
    for (const c of err.candidates) rows.push([c.id, c.volumeId ?? '?', c.createdAt ? utcTime(c.createdAt) : '?']);
    throw new UsageError(
      `${field} ${JSON.stringify(given)} is the beginning of ${err.candidates.length} backup ids: give more of the id\n` +
        table(rows).trimEnd(),
    );
  }
}

/** `2024-05-01 12:00:00`, as the tables show times (UTC). */
export function utcTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}
