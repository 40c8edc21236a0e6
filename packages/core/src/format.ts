/**
 * `@volback/core/format`: Cinder's chunked-backup format as data — object names, the
 * `_metadata` and `_sha256file` documents, codecs, export records — for tools that read or
 * write backups without running the engine.
 */
export {
  backupIdOfPrefix,
  cinderTimestamp,
  dataObjectName,
  metadataObjectName,
  objectStorePrefix,
  posixContainerFor,
  posixObjectPrefix,
  prefixOfMetadataObject,
  sha256ObjectName,
  volumeIdOfPrefix,
} from './cinder-names.js';
export {
  BZIP2_DEFAULT_LEVEL,
  ZLIB_DEFAULT_LEVEL,
  ZSTD_DEFAULT_LEVEL,
  codecFor,
  compressionFamilyOf,
  maxStoredLength,
  normalizeCompressionTag,
  type Codec,
  type CompressionAlgorithm,
} from './codecs/index.js';
export {
  FORMAT_VERSION,
  encodeBackupMetadata,
  parseBackupMetadata,
  type BackupFileHeader,
  type BackupMetadata,
  type ObjectEntry,
} from './format/backup-metadata.js';
export { SHA256_LIST_STRIDE, encodeSha256File, parseSha256File, type Sha256File } from './format/sha256-file.js';
export type { Sha256Digests } from './format/sha256-digests.js';
export { pythonJsonDumps, type PythonDumpsOptions, type PythonJsonValue } from './format/python-json.js';
export { cinderRecordDatetime, parseCinderDatetime, pythonDatetimeString } from './format/cinder-datetime.js';
export {
  MAX_BACKUP_RECORD_CHARS,
  decodeBackupRecord,
  encodeBackupRecord,
  type DecodedBackupRecord,
  type ExportedBackupRecord,
} from './record-string.js';
export { VOLUME_METADATA_VERSION, decodeVolumeMetadata, encodeVolumeMetadata, type VolumeMetadataSections } from './volume-metadata.js';
export { locationOf, readBackupMetadata, readSha256File, type BackupLocation } from './stored-backup.js';
