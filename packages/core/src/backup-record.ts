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
  availabilityZone: string | null;
  displayName: string | null;
  displayDescription: string | null;
  /** Creation time; its UTC seconds also name the objects (`YYYYMMDDHHMMSS`). */
  createdAt: Date;
  /** The point in time the data represents. */
  dataTimestamp: Date | null;
  encryptionKeyId: string | null;
  status: BackupStatus;
  /** Cinder fields volback carries through export and import without using them. */
  extra: CinderPassThroughFields;
}

export type BackupStatus = 'creating' | 'available' | 'deleting' | 'deleted' | 'restoring' | 'error' | 'error_deleting';

/** Cinder row fields that matter to the host only; kept so an export/import round trip loses nothing. */
export interface CinderPassThroughFields {
  userId?: string | null;
  projectId?: string | null;
  host?: string | null;
  failReason?: string | null;
  tempVolumeId?: string | null;
  tempSnapshotId?: string | null;
  numDependentBackups?: number;
  snapshotId?: string | null;
  restoreVolumeId?: string | null;
  metadata?: Record<string, string>;
  updatedAt?: Date | null;
  deletedAt?: Date | null;
  deleted?: boolean;
}

/** What a caller supplies to create a new record; the rest gets sane defaults. */
export interface NewBackupRecordInput {
  id?: string;
  volumeId: string;
  parentId?: string | null;
  container?: string | null;
  displayName?: string | null;
  displayDescription?: string | null;
  availabilityZone?: string | null;
  createdAt?: Date;
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
