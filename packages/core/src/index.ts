/**
 * `@volback/core`: the host API — run backups and restores, find and open drivers, keep
 * catalogs. Driver authors import `@volback/core/driver`; readers and writers of Cinder's
 * format `@volback/core/format`; tests `@volback/core/testing`. Every name here is a semver
 * promise, so internals stay out.
 */
export {
  AuthError,
  BackendError,
  CancelledError,
  ConfigError,
  IntegrityError,
  InvalidBackupError,
  InvalidVolumeError,
  NotFoundError,
  PluginError,
  TargetNotEmptyError,
  UnsupportedError,
  VolbackError,
  hasErrorCode,
  type VolbackErrorCode,
} from './errors.js';
export {
  newBackupRecord,
  type BackupRecord,
  type BackupStatus,
  type CinderPassThroughFields,
  type NewBackupRecordInput,
} from './backup-record.js';
export type { GetObjectOptions, ObjectStore, ObjectStoreCapabilities, PutObjectOptions, StoreCallOptions } from './object-store.js';
export type {
  BackupDriver,
  BackupOptions,
  BackupResult,
  FullBackupReason,
  RestoreOptions,
  RestoreResult,
} from './backup-driver.js';
export {
  ChunkedBackupDriver,
  DEFAULT_HASH_BLOCK_SIZE,
  DEFAULT_OBJECT_SIZE,
  MAX_OBJECT_SIZE,
  type ChunkedDriverOptions,
} from './chunked-backup-driver.js';
export type { CompressionAlgorithm } from './codecs/index.js';
export type { ProgressEvent, ProgressListener } from './progress.js';
export { BufferVolumeSource, FileVolumeSource, type VolumeSource } from './volume-source.js';
export { BufferRestoreTarget, FileRestoreTarget, type FileRestoreTargetOptions, type RestoreTarget } from './restore-target.js';
export {
  checkBackupSource,
  checkRestoreTarget,
  fileIdentity,
  type ProtectedFile,
  type ResolvedPath,
  type TargetGuard,
} from './target-safety.js';
export {
  MemoryCatalog,
  StoreCatalog,
  type BackupCatalog,
  type CatalogSurvey,
  type DamagedBackup,
  type StoredBackupError,
} from './catalog.js';
export { AmbiguousBackupIdError, MIN_ID_PREFIX_CHARS, idsMatching, uniqueIdPrefixes } from './backup-id-prefix.js';
export type { NamedBackup } from './backup-objects.js';
export { FileVolumeMetadataStore, MemoryVolumeMetadataStore, type VolumeMetadataStore } from './volume-metadata.js';
export {
  DEFAULT_ORPHAN_GRACE_MS,
  MIN_STALE_MARKER_AGE_MS,
  findLeftovers,
  pruneLeftovers,
  type MarkerOnBackup,
  type OrphanedBackup,
  type PruneOptions,
  type PruneReport,
  type StoreLeftovers,
} from './orphans.js';
export { MAX_ID_BYTES, checkIdentifier, escapeUnprintable, previewOf, type IdentifierKind } from './ids.js';
export { DEFAULT_RETRY_POLICY, maxRetryWaitMs, withRetry, type RetryPolicy, type RetryTiming } from './engine/store/retry.js';
export { MemoryObjectStore } from './memory-object-store.js';
export { CORE_API_VERSION } from './plugins/api-version.js';
export {
  isDriverPlugin,
  type DriverPlugin,
  type DirectDriverPlugin,
  type DriverPluginDefinition,
  type JsonSchema,
  type StoreDriverPlugin,
} from './plugins/brand.js';
export { discoverPlugins, type DiscoverOptions, type DiscoveredPlugin } from './plugins/discover.js';
export { parseManifest, type PluginManifest } from './plugins/manifest.js';
export {
  DriverRegistry,
  defaultDriverRegistry,
  loadDriverPlugin,
  registerDriver,
  resolveTarget,
  targetToUrl,
  type PluginLoadResult,
  type ResolveTargetOptions,
  type ResolvedTarget,
} from './plugins/registry.js';
export { REDACTED, isSecretField, redactConfig, redactTarget, scrubSecrets, secretsOf } from './plugins/redact.js';
