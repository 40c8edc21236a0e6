import type { BackupRecord } from './backup-record.js';

/** Options every ObjectStore call accepts. */
export interface StoreCallOptions {
  /** Cancels the call: a store stops its transfer and rejects with `CancelledError`. */
  signal?: AbortSignal;
}

/** Options of `putObject`. */
export interface PutObjectOptions extends StoreCallOptions {
  /**
   * The caller will call `flush(container)` before it relies on this object being durable (the
   * engine does before `_metadata`), so a store may make it durable in the background rather
   * than before the put resolves. Stores without `flush` ignore it.
   */
  flushLater?: boolean;
}

/** Options of `getObject`. */
export interface GetObjectOptions extends StoreCallOptions {
  /**
   * Where the bytes may go: returns a buffer of exactly `length` bytes for a store that knows
   * the size before it reads (a file's size, a Content-Length). The engine lends its own
   * buffers this way; a store may ignore it and return a buffer of its own.
   */
  allocate?: (length: number) => Uint8Array;
}

/** How hard a store may be pushed. The engine reads it. */
export interface ObjectStoreCapabilities {
  /** Transfers the engine may run at once against this store. */
  maxConcurrency: number;
}

/**
 * The storage contract under the chunked engine, mirroring Cinder's chunked-driver hooks.
 * Objects are whole byte arrays: the engine bounds their size, so memory stays bounded.
 *
 * Errors: a missing object on `getObject` is a `NotFoundError`; `deleteObject` of a missing
 * object succeeds; backend failures are `BackendError` (with `transient` set when a retry may
 * help) or `AuthError`.
 */
export interface ObjectStore {
  /** Short driver id, e.g. `posix`, `s3`. */
  readonly driverId: string;
  /** Cinder's driver class path written as the record's `service`. */
  readonly serviceName: string;
  /** How hard the engine may push this store; read once per operation. */
  readonly capabilities: ObjectStoreCapabilities;
  /**
   * The local directory every object of this store lives under, for a store that keeps its
   * objects as files: hosts refuse to restore into it or to back up a volume from it. Optional:
   * a store without local files (S3) has none.
   */
  readonly localRoot?: string;
  /**
   * What every object name carries before Cinder's name on this store (`team/a/`), if anything:
   * our extension, which real Cinder cannot restore from. Export records carry it.
   */
  readonly keyPrefix?: string;

  /** Creates the container if needed; no error if it exists. */
  ensureContainer(container: string, opts?: StoreCallOptions): Promise<void>;
  /**
   * Stores `data` whole under `name`, replacing any object of that name. The engine reuses
   * `data`'s memory once the promise settles: a store that keeps the bytes keeps a copy.
   */
  putObject(container: string, name: string, data: Uint8Array, opts?: PutObjectOptions): Promise<void>;
  /**
   * Makes durable every object put into `container` with `flushLater`, and their names; throws
   * if any could not be. Optional: a store whose puts are durable when they resolve needs none.
   */
  flush?(container: string, opts?: StoreCallOptions): Promise<void>;
  /** Reads an object whole. */
  getObject(container: string, name: string, opts?: GetObjectOptions): Promise<Uint8Array>;
  /** Deletes one object; deleting a missing object is not an error. */
  deleteObject(container: string, name: string, opts?: StoreCallOptions): Promise<void>;
  /** Every object name in the container that starts with `prefix` (exact, case-sensitive). */
  listObjects(container: string, prefix: string, opts?: StoreCallOptions): Promise<string[]>;
  /**
   * The names of the container's `_metadata` objects (one per backup), each once. Optional: a
   * store whose containers can hold millions of objects (a bucket) offers it, to find them
   * without listing or holding every data object's name, and the catalog then uses it instead
   * of `listObjects`.
   */
  listMetadataObjects?(container: string, opts?: StoreCallOptions): Promise<string[]>;
  /**
   * Removes what writes interrupted before `before` left that is no object and no listing shows
   * (a posix put's temporary file, an S3 multipart upload never completed); with `dryRun`, only
   * counts them. Returns how many. Optional: a store whose interrupted writes leave nothing needs
   * none. `volback prune` calls it with its grace period.
   */
  removeIncompleteWrites?(before: Date, opts?: StoreCallOptions & { dryRun?: boolean }): Promise<number>;
  /** Every container that may hold backups, for a store that can enumerate them (backups are then found without a catalog). */
  listContainers?(opts?: StoreCallOptions): Promise<string[]>;

  /** Cinder's `_generate_object_name_prefix`: the name prefix of this backup's objects. */
  objectNamePrefix(record: BackupRecord): string;
  /**
   * Cinder's container choice: the container a backup goes to, given what the user asked for
   * (`requested`, may be null). Also used to find a backup by id when no catalog knows it.
   */
  containerFor(backupId: string, requested: string | null): string;

  /** Checks config and connectivity; throws a typed error when unusable. */
  checkForSetupError(): Promise<void>;
  /** Releases connections and handles. */
  close?(): Promise<void>;
}
