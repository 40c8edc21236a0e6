import type { BackupRecord, BackupStatus } from './backup-record.js';
import { InvalidBackupError } from './errors.js';
import { cinderRecordDatetime, parseCinderDatetime } from './format/cinder-datetime.js';
import { pythonJsonDumps, type PythonJsonValue } from './format/python-json.js';
import { checkStoredIdentifier } from './ids.js';

/** What `cinder backup-export` prints: the driver class path and the encoded record. */
export interface ExportedBackupRecord {
  /** Cinder's driver class path, which `backup-import` needs to pick the driver. */
  backupService: string;
  /** The base64 record itself, what `backup-import` takes back. */
  backupUrl: string;
}

/** A decoded export record. */
export interface DecodedBackupRecord {
  /** The backup record the export carried, ready for a catalog. */
  record: BackupRecord;
  /** The exporting driver's `driver_info`, which the importing driver reads. */
  driverInfo: Record<string, unknown>;
}

/**
 * Cinder's `Backup.encode_record`: base64 of one-line Python JSON, `driver_info` first, then the
 * Backup fields in declaration order, then the timestamps. Same bytes as Cinder for the same row.
 */
export function encodeBackupRecord(record: BackupRecord, driverInfo: Record<string, unknown> = {}): string {
  const x = record.extra;
  const date = (d: Date | null | undefined): string | null => (d ? cinderRecordDatetime(d) : null);
  const doc: Record<string, PythonJsonValue> = {
    driver_info: driverInfo as PythonJsonValue,
    id: record.id,
    user_id: x.userId ?? null,
    project_id: x.projectId ?? null,
    volume_id: record.volumeId,
    host: x.host ?? null,
    availability_zone: record.availabilityZone,
    container: record.container,
    parent_id: record.parentId,
    status: record.status,
    fail_reason: x.failReason ?? null,
    size: record.size,
    display_name: record.displayName,
    display_description: record.displayDescription,
    service_metadata: record.serviceMetadata,
    service: record.service,
    object_count: record.objectCount,
    temp_volume_id: x.tempVolumeId ?? null,
    temp_snapshot_id: x.tempSnapshotId ?? null,
    num_dependent_backups: x.numDependentBackups ?? 0,
    snapshot_id: x.snapshotId ?? null,
    data_timestamp: date(record.dataTimestamp),
    restore_volume_id: x.restoreVolumeId ?? null,
    metadata: x.metadata ?? {},
    encryption_key_id: record.encryptionKeyId,
    created_at: date(record.createdAt),
    updated_at: date(x.updatedAt),
    deleted_at: date(x.deletedAt),
    deleted: x.deleted ?? false,
  };
  return Buffer.from(pythonJsonDumps(doc), 'utf8').toString('base64');
}

/** The fields Cinder's import requires (manager `import_record`), plus the volume id we need. */
const REQUIRED = ['id', 'volume_id', 'display_name', 'display_description', 'container', 'size', 'service_metadata', 'object_count'];

/**
 * Characters of an export record. Cinder's are about 1 KiB (a driver's `driver_info` adds a
 * little): a megabyte is far more than any real one, and stops a hostile one from being decoded.
 */
export const MAX_BACKUP_RECORD_CHARS = 1024 * 1024;

/**
 * Cinder's `Backup.decode_record` plus the checks its import does, into a {@link BackupRecord}.
 * The ids, container and prefix, which name objects, follow the rules of ids.ts.
 * @throws InvalidBackupError for anything else: every failure is typed.
 */
export function decodeBackupRecord(backupUrl: string): DecodedBackupRecord {
  if (typeof backupUrl !== 'string') throw new InvalidBackupError('backup record is not a string');
  if (backupUrl.length > MAX_BACKUP_RECORD_CHARS) {
    throw new InvalidBackupError(`backup record is ${backupUrl.length} characters long, more than the ${MAX_BACKUP_RECORD_CHARS} allowed`);
  }
  const text = backupUrl.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new InvalidBackupError('backup record is not base64 text');
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  } catch (err) {
    throw new InvalidBackupError('backup record does not decode to JSON', { cause: err });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new InvalidBackupError('backup record does not decode to a JSON object');
  }
  const d = doc as Record<string, unknown>;
  const missing = REQUIRED.filter((k) => !(k in d));
  if (missing.length > 0) throw new InvalidBackupError(`backup record lacks required field(s): ${missing.join(', ')}`);

  const str = (k: string): string | null => {
    const v = d[k];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') throw new InvalidBackupError(`backup record field ${k} is not a string`);
    return v;
  };
  const int = (k: string): number => {
    const v = d[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new InvalidBackupError(`backup record field ${k} is not a non-negative integer`);
    }
    return v;
  };
  const date = (k: string): Date | null => {
    const v = str(k);
    return v === null ? null : parseCinderDatetime(v, `backup record field ${k}`);
  };
  const driverInfo = d.driver_info;
  if (driverInfo !== undefined && (typeof driverInfo !== 'object' || driverInfo === null || Array.isArray(driverInfo))) {
    throw new InvalidBackupError('backup record field driver_info is not an object');
  }
  const metadata = d.metadata;
  const record: BackupRecord = {
    id: str('id') as string,
    volumeId: str('volume_id') as string,
    parentId: str('parent_id'),
    container: str('container'),
    serviceMetadata: str('service_metadata'),
    objectCount: int('object_count'),
    size: int('size'),
    service: str('service'),
    availabilityZone: str('availability_zone'),
    displayName: str('display_name'),
    displayDescription: str('display_description'),
    createdAt: date('created_at') ?? new Date(0),
    dataTimestamp: date('data_timestamp'),
    encryptionKeyId: str('encryption_key_id'),
    status: (str('status') ?? 'available') as BackupStatus,
    extra: {
      userId: str('user_id'),
      projectId: str('project_id'),
      host: str('host'),
      failReason: str('fail_reason'),
      tempVolumeId: str('temp_volume_id'),
      tempSnapshotId: str('temp_snapshot_id'),
      numDependentBackups: typeof d.num_dependent_backups === 'number' ? d.num_dependent_backups : 0,
      snapshotId: str('snapshot_id'),
      restoreVolumeId: str('restore_volume_id'),
      metadata: typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, string>) : {},
      updatedAt: date('updated_at'),
      deletedAt: date('deleted_at'),
      deleted: d.deleted === true,
    },
  };
  checkStoredIdentifier('backup id', record.id, 'backup record field id');
  checkStoredIdentifier('volume id', record.volumeId, 'backup record field volume_id');
  if (record.parentId !== null) checkStoredIdentifier('parent id', record.parentId, 'backup record field parent_id');
  if (record.container !== null) checkStoredIdentifier('container', record.container, 'backup record field container');
  if (record.serviceMetadata !== null) checkStoredIdentifier('prefix', record.serviceMetadata, 'backup record field service_metadata');
  return { record, driverInfo: (driverInfo as Record<string, unknown> | undefined) ?? {} };
}
