import type { BackupRecord } from './backup-record.js';
import type { CompressionAlgorithm } from './codecs/codec.js';
import type { ProgressListener } from './progress.js';
import type { RestoreTarget } from './restore-target.js';
import type { VolumeSource } from './volume-source.js';

/** Options of {@link BackupDriver.backup}. */
export interface BackupOptions {
  /** Cancels the backup: no further object is written, and the call rejects with `CancelledError`. */
  signal?: AbortSignal;
  /** Told how many bytes are done as the backup goes, for a progress display. */
  onProgress?: ProgressListener;
  /** Overrides the driver's compression for this backup. */
  compression?: CompressionAlgorithm | 'off' | 'no';
  /** Codec level; undefined keeps the codec's default. */
  compressionLevel?: number;
  /** Save the volume's metadata into `_metadata` (Cinder always does). Default true. */
  backupMetadata?: boolean;
}

/** Why an incremental request became a full backup. */
export type FullBackupReason = 'parent-size-changed' | 'hash-block-size-changed' | 'parent-hashes-missing';

/** The outcome of {@link BackupDriver.backup}. */
export interface BackupResult {
  /** The record with `container`, `serviceMetadata`, `objectCount`, `size`, `service` and `status` set. */
  record: BackupRecord;
  /** What was made, which is `full` when an incremental was asked for but could not be made (see `fullBecause`). */
  kind: 'full' | 'incremental';
  /** Set when an incremental was asked for and a full backup was made instead. */
  fullBecause?: FullBackupReason;
  /** Volume size in bytes. */
  volumeBytes: number;
  /** Bytes written to the store for data objects (after compression). */
  storedBytes: number;
  /**
   * Volume bytes found all zero, stored as the shared zero object: as the last progress event
   * says. Set by `ChunkedBackupDriver`; a driver that does not tell leaves it out.
   */
  zeroBytes?: number;
  /** An incremental's bytes whose blocks matched the parent and were not stored; 0 for a full backup. Set as `zeroBytes` is. */
  unchangedBytes?: number;
}

/** Options of {@link BackupDriver.restore}. */
export interface RestoreOptions {
  /** Cancels the restore: no further byte is written, and the call rejects with `CancelledError`. */
  signal?: AbortSignal;
  /** Told how many bytes are done as the restore goes, for a progress display. */
  onProgress?: ProgressListener;
}

/** The outcome of {@link BackupDriver.restore}. */
export interface RestoreResult {
  /** Bytes of the restored volume, the size the backup recorded. */
  volumeBytes: number;
  /** Backup ids applied, oldest (the full backup) first. */
  chain: string[];
  /** Volume bytes left as holes, all zero, instead of written. Set by `ChunkedBackupDriver`. */
  zeroBytes?: number;
}

/**
 * Cinder's backup-driver interface. `core` provides `ChunkedBackupDriver`, which implements it on
 * any {@link ObjectStore}; a third party may implement it directly.
 */
export interface BackupDriver {
  /** Backs up `volume`; incremental when `record.parentId` is set. */
  backup(record: BackupRecord, volume: VolumeSource, opts?: BackupOptions): Promise<BackupResult>;
  /** Restores the backup (its whole chain) into `target`, applying volume metadata to `volumeId`. */
  restore(record: BackupRecord, volumeId: string, target: RestoreTarget, opts?: RestoreOptions): Promise<RestoreResult>;
  /** Deletes every object of the backup; the container stays. */
  deleteBackup(record: BackupRecord, opts?: { signal?: AbortSignal }): Promise<void>;
  /** Driver-specific data for the export record (`driver_info`). */
  exportRecord(record: BackupRecord): Promise<Record<string, unknown>>;
  /** Receives `driver_info` of an imported record. */
  importRecord(record: BackupRecord, driverInfo: Record<string, unknown>): Promise<void>;
  /** The volume's metadata as Cinder's version-2 JSON string. */
  getMetadata(volumeId: string): Promise<string>;
  /** Applies Cinder volume-metadata JSON (version 1 or 2) to the volume. */
  putMetadata(volumeId: string, json: string): Promise<void>;
  /** Validates config and connectivity; throws a typed error when unusable. */
  checkForSetupError(): Promise<void>;
}
