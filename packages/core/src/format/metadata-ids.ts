import { checkStoredIdentifier } from '../ids.js';
import type { BackupMetadata } from './backup-metadata.js';

/**
 * `_metadata` as parsed, once its ids follow the rules of ids.ts: they name files, directories
 * and catalog entries, so a hostile one (100 000 characters, an escape sequence) is refused here.
 * @throws InvalidBackupError naming `objectName`.
 */
export function withCheckedIds(meta: BackupMetadata, objectName: string): BackupMetadata {
  checkStoredIdentifier('backup id', meta.backupId, objectName);
  checkStoredIdentifier('volume id', meta.volumeId, objectName);
  if (meta.parentId !== null) checkStoredIdentifier('parent id', meta.parentId, objectName);
  return meta;
}
