/**
 * The backup record: the fields of Cinder's `Backup` DB row that drivers read and write.
 * The host application owns records (Cinder keeps them in its DB); drivers receive one and
 * return it updated. Property names are camelCase; the export record uses Cinder's snake_case.
 */
export interface BackupRecord {
  /** Backup UUID. */
  id: string;
  /** Source volume UUID. */
  volumeId: string;
  /** Parent backup id for an incremental backup, else null. */
  parentId: string | null;
  /** Where the objects live (a directory for posix, a bucket for S3). Chosen by the driver at backup time. */
  container: string | null;
  /** Cinder's `service_metadata`: the object-name prefix of this backup. Set by the driver. */
  serviceMetadata: string | null;
  /** Number of data objects (without `_metadata` and `_sha256file`). */
  objectCount: number;
  /** Volume size in GiB, rounded up. */
  size: number;
  /** Exact volume size in bytes, when known (volback fills it in; Cinder rows lack it). */
  volumeBytes?: number;
  /** Driver class path in Cinder terms, e.g. `cinder.backup.drivers.posix.PosixBackupDriver`. */
  service: string | null;
  /** Cinder's availability zone of the backup; the object-store layout puts it in every object name. */
  availabilityZone: string | null;
  /** The user's name for the backup, shown by listings; volback never reads it. */
  displayName: string | null;
  /** The user's description of the backup, shown by listings; volback never reads it. */
  displayDescription: string | null;
  /** Creation time; its UTC seconds also name the objects (`YYYYMMDDHHMMSS`). */
  createdAt: Date;
  /** The point in time the data represents. */
  dataTimestamp: Date | null;
  /** Cinder's key id of an encrypted volume's backup, carried so a restore can decrypt; volback does not encrypt. */
  encryptionKeyId: string | null;
  /** Where the backup is in its life: only an `available` one may be restored or be a parent. */
  status: BackupStatus;
  /** Cinder fields volback carries through export and import without using them. */
  extra: CinderPassThroughFields;
}

/** Cinder's backup states, so a record round-trips through Cinder's DB unchanged. */
export type BackupStatus = 'creating' | 'available' | 'deleting' | 'deleted' | 'restoring' | 'error' | 'error_deleting';

/** Cinder row fields that matter to the host only; kept so an export/import round trip loses nothing. */
export interface CinderPassThroughFields {
  /** Cinder's `user_id`: who made the backup. */
  userId?: string | null;
  /** Cinder's `project_id`: the tenant that owns the backup. */
  projectId?: string | null;
  /** Cinder's `host`: the backup service that made it. */
  host?: string | null;
  /** Cinder's `fail_reason`: why a backup in `error` failed. */
  failReason?: string | null;
  /** Cinder's `temp_volume_id`: the volume Cinder cloned to back up an in-use one. */
  tempVolumeId?: string | null;
  /** Cinder's `temp_snapshot_id`: the snapshot Cinder took to back up an in-use volume. */
  tempSnapshotId?: string | null;
  /** Cinder's `num_dependent_backups`: incrementals that have this one as parent. */
  numDependentBackups?: number;
  /** Cinder's `snapshot_id`: the snapshot backed up, when the backup was made from one. */
  snapshotId?: string | null;
  /** Cinder's `restore_volume_id`: the volume a running restore writes to. */
  restoreVolumeId?: string | null;
  /** Cinder's backup metadata: the user's key/value pairs. */
  metadata?: Record<string, string>;
  /** Cinder's `updated_at`: the row's last change. */
  updatedAt?: Date | null;
  /** Cinder's `deleted_at`: when the row was soft-deleted. */
  deletedAt?: Date | null;
  /** Cinder's `deleted`: the row's soft-delete flag. */
  deleted?: boolean;
}

/** What a caller supplies to create a new record; the rest gets sane defaults. */
export interface NewBackupRecordInput {
  /** Backup UUID; a random one when unset. */
  id?: string;
  /** Source volume UUID. */
  volumeId: string;
  /** The backup this one is an incremental of; a full backup when unset. */
  parentId?: string | null;
  /** Where the objects go; the driver's default container when unset. */
  container?: string | null;
  /** The user's name for the backup. */
  displayName?: string | null;
  /** The user's description of the backup. */
  displayDescription?: string | null;
  /** Part of every object name in the object-store layout; `nova` (Cinder's default) when unset. */
  availabilityZone?: string | null;
  /** Creation time, cut to whole seconds as Cinder's DB keeps it; now when unset. */
  createdAt?: Date;
  /** Cinder's key id of an encrypted volume, carried through to the record. */
  encryptionKeyId?: string | null;
}

/** Builds a record in `creating` state for a backup about to run. */
export function newBackupRecord(input: NewBackupRecordInput): BackupRecord {
  const createdAt = truncateToSeconds(input.createdAt ?? new Date());
  return {
    id: input.id ?? globalThis.crypto.randomUUID(),
    volumeId: input.volumeId,
    parentId: input.parentId ?? null,
    container: input.container ?? null,
    serviceMetadata: null,
    objectCount: 0,
    size: 0,
    service: null,
    availabilityZone: input.availabilityZone ?? 'nova',
    displayName: input.displayName ?? null,
    displayDescription: input.displayDescription ?? null,
    createdAt,
    dataTimestamp: createdAt,
    encryptionKeyId: input.encryptionKeyId ?? null,
    status: 'creating',
    extra: {},
  };
}

/** Cinder's DB keeps whole seconds; so do we, so names and metadata agree with the record. */
function truncateToSeconds(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}
