import type { BackupDriver, BackupOptions, BackupResult, FullBackupReason, RestoreOptions, RestoreResult } from './backup-driver.js';
import type { BackupRecord } from './backup-record.js';
import { StoreCatalog, type BackupCatalog } from './catalog.js';
import { codecFor, normalizeCompressionTag } from './codecs/index.js';
import type { CompressionAlgorithm } from './codecs/codec.js';
import { deleteUnlessDepended } from './delete-protocol.js';
import { runBackupJob } from './engine/jobs/backup-job.js';
import { loadChain, runRestoreJob, type ChainLayer } from './engine/jobs/restore-job.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './engine/store/retry.js';
import { limitedStore } from './engine/store/limited-store.js';
import { retryingStore } from './engine/store/retrying-store.js';
import { createTaskRunner, type TaskRunner } from './engine/workers/task-runner.js';
import { ZeroObjectCache } from './engine/jobs/zero-object-cache.js';
import { md5LanesWanted } from './engine/hashing/md5-lanes-loader.js';
import { ConfigError, hasErrorCode, InvalidBackupError, NotFoundError } from './errors.js';
import type { Sha256Digests } from './format/sha256-digests.js';
import type { ObjectStore } from './object-store.js';
import type { RestoreTarget } from './restore-target.js';
import { chainVolumeBytes, locationOf, readBackupMetadata, readSha256File } from './stored-backup.js';
import { decodeVolumeMetadata, encodeVolumeMetadata, MemoryVolumeMetadataStore, type VolumeMetadataStore } from './volume-metadata.js';
import type { VolumeSource } from './volume-source.js';

/** Settings of {@link ChunkedBackupDriver}; `C` is the catalog's type. */
export interface ChunkedDriverOptions<C extends BackupCatalog = BackupCatalog> {
  /** Bytes per data object (Cinder's chunk size); a multiple of `hashBlockSize`. Default 8 MiB. */
  objectSize?: number;
  /** Hash block size of `_sha256file`. Default 32 KiB, Cinder's. */
  hashBlockSize?: number;
  /** Compression of new backups. Default `zstd`; Cinder's own default is `zlib`. */
  compression?: CompressionAlgorithm | 'off' | 'no';
  /**
   * Codec level. Default: zstd 1 (fast, as `zstd -1`; Cinder's python-zstd uses 3), zlib 6 and
   * bz2 9 as Cinder. Any level reads back the same.
   */
  compressionLevel?: number;
  /**
   * Finds parent records for incrementals and restores. Default: a `StoreCatalog` reading the
   * store as the engine does. A function is given the store as the engine calls it (at most
   * `maxConcurrency` calls at once, transient errors retried), for a catalog of the caller's
   * that reads the store: `(store) => new StoreCatalog(store)`. One on the bare store fails a
   * whole listing, or a chain lookup, at the first transient error.
   */
  catalog?: C | ((engineStore: ObjectStore) => C);
  /** Where volume metadata lives. Default: in memory. */
  volumeMetadata?: VolumeMetadataStore;
  /** Retries of transient store errors. */
  retry?: RetryPolicy;
  /**
   * Worker threads for hashing, MD5, compression and restore checks. Default: one per core;
   * 0 runs everything on the calling thread.
   */
  workers?: number;
  /**
   * Whether full backups may compute MD5 in WebAssembly SIMD lanes, several chunks at once.
   * Default true; `VOLBACK_MD5_LANES=0` in the environment switches them off too. Off, or where
   * the process has no WebAssembly (`node --jitless`), the workers hash with node:crypto: the
   * same digests, more CPU.
   */
  md5Lanes?: boolean;
}

/** Bytes per data object when none is given: 8 MiB, a size Cinder's own drivers use. */
export const DEFAULT_OBJECT_SIZE = 8 * 1024 * 1024;
/** Hash block size of `_sha256file` when none is given: 32 KiB, Cinder's. */
export const DEFAULT_HASH_BLOCK_SIZE = 32 * 1024;

/**
 * Levels used when none is given. zstd 1 compresses text about twice as fast as level 3 for
 * about a tenth more bytes; the others keep their codec's (Cinder's) default.
 */
const DEFAULT_LEVELS: Record<string, number | undefined> = { zstd: 1 };

/** The field of an export record's `driver_info` that carries a store's key prefix. */
const KEY_PREFIX_FIELD = 'key_prefix';

/**
 * Cinder's chunked backup driver on any {@link ObjectStore}: writes and reads the chunked format
 * 1.0.0 exactly, so Cinder restores what it writes and it restores what Cinder wrote.
 */

export class ChunkedBackupDriver<C extends BackupCatalog = BackupCatalog> implements BackupDriver {
  /** The store as given; the engine uses it through a retrying wrapper. */
  readonly store: ObjectStore;
  /** Bytes per data object of new backups; a restore follows each backup's own `_metadata`. */
  readonly objectSize: number;
  /** Hash block size of new backups' `_sha256file`; an incremental with another size becomes full. */
  readonly hashBlockSize: number;
  /** Codec of new backups (`none` when off); a restore reads each object's own tag. */
  readonly compression: CompressionAlgorithm;
  /** Codec level of new backups; undefined is the codec's default. */
  readonly compressionLevel: number | undefined;
  /** Where parents are found for incrementals and chains for restores. */
  readonly catalog: C;
  /** Where a backup reads the volume's metadata and a restore applies it. */
  readonly volumeMetadata: VolumeMetadataStore;
  private readonly io: ObjectStore;

  /** The store as the engine calls it: the concurrency limit and retries around every call. Hosts use it for their own calls. */
  get engineStore(): ObjectStore {
    return this.io;
  }
  private readonly zeroObjects = new ZeroObjectCache();
  private readonly workers: number | undefined;
  private readonly md5Lanes: boolean;
  private runnerInstance: TaskRunner | undefined;

  constructor(store: ObjectStore, options: ChunkedDriverOptions<C> = {}) {
    this.store = store;
    this.objectSize = options.objectSize ?? DEFAULT_OBJECT_SIZE;
    this.hashBlockSize = options.hashBlockSize ?? DEFAULT_HASH_BLOCK_SIZE;
    this.compression = normalizeCompressionTag(options.compression ?? 'zstd');
    this.compressionLevel = options.compressionLevel;
    // Retried calls each take a slot afresh: a backoff does not hold one.
    this.io = retryingStore(limitedStore(store), options.retry ?? DEFAULT_RETRY_POLICY);
    const catalog = options.catalog;
    // Without a catalog of the caller's, C is the default BackupCatalog: a StoreCatalog is one.
    this.catalog = typeof catalog === 'function' ? catalog(this.io) : (catalog ?? (new StoreCatalog(this.io) as BackupCatalog as C));
    this.volumeMetadata = options.volumeMetadata ?? new MemoryVolumeMetadataStore();
    this.workers = options.workers;
    this.md5Lanes = md5LanesWanted(options.md5Lanes);
    validateSizes(this.objectSize, this.hashBlockSize);
  }

  /**
   * Worker threads start on first use, so a driver that only lists backups never spawns any.
   * Backup, restore and verify touch this first thing, so the workers load while the catalog
   * and the parent's hash list are read.
   */
  private get runner(): TaskRunner {
    this.runnerInstance ??= createTaskRunner(this.workers);
    return this.runnerInstance;
  }

  /**
   * Starts the worker threads now, for a host about to back up or restore: they take ~60 ms to
   * load, which it can spend reading its catalog instead of waiting at the first chunk.
   */
  startWorkers(): void {
    void this.runner;
  }

  /** Stops the worker threads (they never keep a process alive, but a host may want them gone). */
  async close(): Promise<void> {
    await this.runnerInstance?.close();
    this.runnerInstance = undefined;
  }

  async backup(record: BackupRecord, volume: VolumeSource, opts: BackupOptions = {}): Promise<BackupResult> {
    const compression = normalizeCompressionTag(opts.compression ?? this.compression);
    const codec = codecFor(compression);
    const runner = this.runner;
    const parent = record.parentId ? await this.catalog.get(record.parentId) : null;
    // Cinder's rule, and what lets a delete find every incremental on a backup among its volume's.
    if (parent && parent.volumeId !== record.volumeId) {
      throw new InvalidBackupError(
        `backup ${parent.id} is of volume ${parent.volumeId}, not ${record.volumeId}: an incremental's parent must be a backup of the same volume`,
      );
    }
    const { parentHashes, fullBecause } = await this.parentHashesFor(record, volume, opts.signal);
    const volumeMeta = opts.backupMetadata === false ? null : await this.getMetadata(record.volumeId);
    const job = await runBackupJob({
      store: this.io,
      record: fullBecause ? { ...record, parentId: null } : record,
      volume,
      objectSize: this.objectSize,
      blockSize: this.hashBlockSize,
      compressionTag: compression,
      codec,
      compressionLevel: opts.compressionLevel ?? this.compressionLevel ?? DEFAULT_LEVELS[codec.family],
      parentHashes,
      parent: parent && parentHashes ? { id: parent.id, ...locationOf(parent) } : null,
      volumeMeta,
      zeroObjects: this.zeroObjects,
      runner,
      md5Lanes: this.md5Lanes,
      signal: opts.signal,
      onProgress: opts.onProgress,
    });
    return {
      record: job.record,
      kind: parentHashes ? 'incremental' : 'full',
      ...(fullBecause ? { fullBecause } : {}),
      volumeBytes: volume.size,
      storedBytes: job.storedBytes,
      zeroBytes: job.zeroBytes,
      unchangedBytes: job.unchangedBytes,
    };
  }

  /**
   * For an incremental, the parent's block hashes; or, when the parent cannot serve as a base
   * (other volume size, other hash block size, no hash list), a full backup and the reason.
   * Cinder refuses those cases; its interface says a full backup should be made, so we make one.
   */
  private async parentHashesFor(
    record: BackupRecord,
    volume: VolumeSource,
    signal: AbortSignal | undefined,
  ): Promise<{ parentHashes: Sha256Digests | null; fullBecause?: FullBackupReason }> {
    if (!record.parentId) return { parentHashes: null };
    const parent = await this.catalog.get(record.parentId);
    const hashes = await readSha256File(this.io, locationOf(parent), { signal });
    if (!hashes) return { parentHashes: null, fullBecause: 'parent-hashes-missing' };
    if (hashes.blockSize !== this.hashBlockSize) return { parentHashes: null, fullBecause: 'hash-block-size-changed' };
    if ((await this.volumeBytesOf(parent, signal)) !== volume.size) {
      return { parentHashes: null, fullBecause: 'parent-size-changed' };
    }
    return { parentHashes: hashes.sha256s };
  }

  /**
   * Size of the volume a backup holds: what the full backup at the root of its chain covers.
   * A record from the store catalog already knows it; others are worked out from the chain.
   */
  private async volumeBytesOf(record: BackupRecord, signal: AbortSignal | undefined): Promise<number> {
    if (record.volumeBytes !== undefined) return record.volumeBytes;
    const chain = await this.chainOf(record);
    return chainVolumeBytes(await Promise.all(chain.map((r) => readBackupMetadata(this.io, locationOf(r), { signal }))));
  }

  /** The chain from the full backup to `record`, oldest first. */
  async chainOf(record: BackupRecord): Promise<BackupRecord[]> {
    const chain = [record];
    const seen = new Set([record.id]);
    let cursor = record;
    while (cursor.parentId) {
      if (seen.has(cursor.parentId)) throw new InvalidBackupError(`backup chain of ${record.id} loops at ${cursor.parentId}`);
      let parent: BackupRecord;
      try {
        parent = await this.catalog.get(cursor.parentId);
      } catch (err) {
        if (!hasErrorCode(err, 'E_NOT_FOUND')) throw err;
        throw new NotFoundError(
          `backup ${cursor.id} depends on parent ${cursor.parentId}, which cannot be found: import or restore it first`,
          { cause: err },
        );
      }
      // A catalog that answers with another backup would make this walk go round for ever.
      if (parent.id !== cursor.parentId) {
        throw new InvalidBackupError(`asked for parent ${cursor.parentId} of backup ${cursor.id}, the catalog gave backup ${parent.id}`);
      }
      seen.add(parent.id);
      chain.unshift(parent);
      cursor = parent;
    }
    return chain;
  }

  async restore(record: BackupRecord, volumeId: string, target: RestoreTarget, opts: RestoreOptions = {}): Promise<RestoreResult> {
    const { volumeBytes, zeroBytes, layers } = await this.readChain(record, target, opts);
    // Cinder applies each layer's volume metadata in order; the newest wins field by field.
    for (const layer of layers) {
      if (layer.metadata.volumeMeta) await this.putMetadata(volumeId, layer.metadata.volumeMeta);
    }
    return { volumeBytes, chain: layers.map((l) => l.record.id), zeroBytes };
  }

  /**
   * Checks a stored backup without restoring it: every object its restore would read is fetched
   * and checked as a restore would. Throws `IntegrityError` naming the first bad object.
   */
  async verify(
    record: BackupRecord,
    opts: RestoreOptions = {},
  ): Promise<{
    /** Bytes of the volume the backup restores to. */
    volumeBytes: number;
    /** Backup ids checked, oldest (the full backup) first. */
    chain: string[];
  }> {
    const { volumeBytes, layers } = await this.readChain(record, null, opts);
    return { volumeBytes, chain: layers.map((l) => l.record.id) };
  }

  /** Restore and verify alike: load the chain, then fetch and check what it needs (writing it when there is a target). */
  private async readChain(
    record: BackupRecord,
    target: RestoreTarget | null,
    opts: RestoreOptions,
  ): Promise<{ volumeBytes: number; zeroBytes: number; layers: ChainLayer[] }> {
    const runner = this.runner;
    const layers = await loadChain(this.io, await this.chainOf(record), opts.signal);
    const { volumeBytes, zeroBytes } = await runRestoreJob({
      store: this.io,
      layers,
      target,
      concurrency: Math.min(this.store.capabilities.maxConcurrency, runner.parallelism + 2),
      runner,
      signal: opts.signal,
      onProgress: opts.onProgress,
    });
    return { volumeBytes, zeroBytes, layers };
  }

  /**
   * Deletes every object of the backup, `_metadata` first so a partial delete leaves no half
   * backup. Refuses while an incremental depends on it, also one being made at the same time
   * (found afresh in the store, whatever the catalog: delete-protocol.ts says how and how far).
   */
  async deleteBackup(record: BackupRecord): Promise<void> {
    const inStore = new StoreCatalog(this.io);
    await deleteUnlessDepended(this.io, { id: record.id, ...locationOf(record) }, () => inStore.dependentsInStore(record));
    this.catalog.forget?.(record.id);
  }

  /**
   * Cinder's chunked drivers export nothing of their own. A store with a key prefix (our
   * extension) says it here, so an import can tell whether it opened the store the backup is in.
   */
  async exportRecord(_record: BackupRecord): Promise<Record<string, unknown>> {
    const keyPrefix = this.store.keyPrefix ?? '';
    return keyPrefix === '' ? {} : { [KEY_PREFIX_FIELD]: keyPrefix };
  }

  /** Cinder does nothing here; we check the backup really is in the store, so a bad import fails now. */
  async importRecord(record: BackupRecord, driverInfo: Record<string, unknown>): Promise<void> {
    const exported = driverInfo[KEY_PREFIX_FIELD] ?? '';
    const here = this.store.keyPrefix ?? '';
    if (exported !== here) {
      throw new ConfigError(
        `backup ${record.id} was exported from a store with key prefix ${JSON.stringify(exported)}, but this store's key prefix is ${JSON.stringify(here)}: open the store with keyPrefix ${JSON.stringify(exported)}`,
        'keyPrefix',
      );
    }
    const meta = await readBackupMetadata(this.io, locationOf(record));
    if (meta.backupId !== record.id) {
      throw new InvalidBackupError(`the record says backup ${record.id} but the store holds ${meta.backupId} at that place`);
    }
  }

  async getMetadata(volumeId: string): Promise<string> {
    return encodeVolumeMetadata(await this.volumeMetadata.get(volumeId));
  }

  async putMetadata(volumeId: string, json: string): Promise<void> {
    await this.volumeMetadata.put(volumeId, decodeVolumeMetadata(json));
  }

  async checkForSetupError(): Promise<void> {
    validateSizes(this.objectSize, this.hashBlockSize);
    await this.store.checkForSetupError();
  }
}

/**
 * The largest object size new backups are written with: 256 MiB.
 *
 * A backup holds about 2 x (workers + 2) object-size buffers at once: a chunk and a scratch
 * buffer for each slot in flight (one per worker, one read ahead, one being stored). At 256 MiB
 * that is 3 GiB with 4 workers and 9 GiB with 16, already more than a host should give a
 * backup; twice the bound would double it. It is 5 times Cinder's object-store default chunk
 * (50 MiB for Swift, S3 and GCS) and 32 times volback's. It also keeps every buffer far below
 * 4 GiB: V8 cannot hand a worker a view of a larger ArrayBuffer (the worker gets a
 * `messageerror`, and the backup waited for an answer that never came).
 *
 * Reading has no such bound: a stored backup's objects are restored at whatever size they
 * were written (Cinder's posix default chunk is 1999994880 bytes).
 */
export const MAX_OBJECT_SIZE = 256 * 1024 * 1024;

/** Settings, so a ConfigError naming the option (Cinder says InvalidBackup, at backup time). */
function validateSizes(objectSize: number, blockSize: number): void {
  if (!Number.isSafeInteger(blockSize) || blockSize <= 0) {
    throw new ConfigError(`hash block size must be a positive integer, got ${blockSize}`, 'hashBlockSize');
  }
  if (!Number.isSafeInteger(objectSize) || objectSize <= 0 || objectSize % blockSize !== 0) {
    throw new ConfigError(
      `object size ${objectSize} is not a multiple of the hash block size ${blockSize} (Cinder: "Chunk size is not multiple of block size for creating hash.")`,
      'objectSize',
    );
  }
  if (objectSize > MAX_OBJECT_SIZE) {
    throw new ConfigError(
      `object size ${objectSize} is more than ${MAX_OBJECT_SIZE} bytes (256 MiB), the largest new backups are written with: a backup holds about 2 x (workers + 2) objects in memory`,
      'objectSize',
    );
  }
}
