import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type BucketLocationConstraint,
  type PutObjectCommandInput,
  type StorageClass,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  AuthError,
  BackendError,
  ConfigError,
  InvalidBackupError,
  NotFoundError,
  objectStorePrefix,
  throwIfAborted,
  type BackupRecord,
  type ByteRange,
  type GetObjectOptions,
  type ObjectStore,
  type ObjectStoreCapabilities,
  type StoreCallOptions,
} from '@volback/core';
import { parseS3Config, S3_DEFAULTS, type S3StoreConfig } from './config.js';
import { contentMd5 } from './content-md5.js';
import { uploadMultipart } from './multipart-upload.js';
import { findMetadataKeys, isMetadataKey, type Lister } from './metadata-walk.js';
import { readResponseBody } from './response-body.js';
import { createS3Client } from './s3-client.js';
import { isNoSuchBucket, isNotFound, isNotImplemented, mapS3Error } from './s3-errors.js';

/** What a ListObjectsV2 call asks beyond the prefix: where to go on from, and a delimiter. */
interface ListQuery {
  token?: string;
  startAfter?: string;
  delimiter?: string;
}

/** One ListObjectsV2 page: names relative to the key prefix, and the token of the next page. */
interface ListedPage {
  keys: string[];
  prefixes: string[];
  next?: string;
}

/** S3's largest object. */
const MAX_OBJECT_BYTES = 5 * 1024 ** 4;
/** S3's limit of keys per DeleteObjects request. */
const DELETE_BATCH = 1000;

/** Options of {@link S3ObjectStore}'s constructor. */
export interface S3ObjectStoreOptions {
  /** Use this client instead of building one from the config (tests, custom middleware). */
  client?: S3Client;
}

/**
 * Cinder's S3 backup layout (`cinder.backup.drivers.s3.S3BackupDriver`) on any S3-compatible
 * store: one bucket per container, objects named `volume_<vol>/<ts>/az_<az>_backup_<id>…`,
 * optionally under a key prefix that the engine never sees.
 *
 * Every upload carries Content-MD5 of the stored bytes, so the server rejects damaged uploads;
 * objects above `multipartThreshold` go up in parts with bounded memory.
 */
export class S3ObjectStore implements ObjectStore {
  readonly driverId = 's3';
  readonly serviceName = 'cinder.backup.drivers.s3.S3BackupDriver';
  readonly capabilities: ObjectStoreCapabilities;
  readonly config: Readonly<S3StoreConfig>;
  /** The SDK client; exposed so hosts and tests can add middleware. */
  readonly client: S3Client;

  private readonly keyPath: string;
  private batchDeleteSupported = true;

  /** @param config validated config, or raw input for {@link parseS3Config}. */
  constructor(config: S3StoreConfig | unknown, options: S3ObjectStoreOptions = {}) {
    this.config = Object.freeze(parseS3Config(config));
    this.client = options.client ?? createS3Client(this.config);
    this.keyPath = this.config.keyPrefix === undefined ? '' : `${this.config.keyPrefix}/`;
    this.capabilities = {
      maxConcurrency: this.config.maxConcurrency ?? S3_DEFAULTS.maxConcurrency,
      ranges: true,
      maxObjectBytes: MAX_OBJECT_BYTES,
      listContainers: true,
    };
  }

  objectNamePrefix(record: BackupRecord): string {
    return objectStorePrefix(record, this.config.availabilityZone ?? S3_DEFAULTS.availabilityZone);
  }

  /** Cinder's S3 driver: the user's container is the bucket, else the configured one. */
  containerFor(_backupId: string, requested: string | null): string {
    return requested ?? this.config.bucket;
  }

  async ensureContainer(container: string, opts?: StoreCallOptions): Promise<void> {
    throwIfAborted(opts?.signal);
    if (await this.bucketExists(container, opts?.signal)) return;
    if (!(this.config.createBucket ?? S3_DEFAULTS.createBucket)) {
      throw new NotFoundError(
        `s3: bucket ${JSON.stringify(container)} does not exist; create it, or set createBucket: true (URL: ?createBucket=true) to let volback create it`,
      );
    }
    await this.createBucket(container, opts?.signal);
  }

  async putObject(container: string, name: string, data: Uint8Array, opts?: StoreCallOptions): Promise<void> {
    throwIfAborted(opts?.signal);
    const key = this.key(name);
    const what = `PUT ${container}/${key}`;
    const threshold = this.config.multipartThreshold ?? S3_DEFAULTS.multipartThreshold;
    if (data.byteLength > threshold) {
      try {
        await uploadMultipart(data, {
          client: this.client,
          create: { Bucket: container, Key: key, ...this.writeOptions() },
          sseCustomer: this.sseCustomer(),
          partSize: this.config.partSize ?? S3_DEFAULTS.partSize,
          concurrency: this.config.partConcurrency ?? S3_DEFAULTS.partConcurrency,
          ...(opts?.signal === undefined ? {} : { signal: opts.signal }),
          what,
        });
      } catch (err) {
        throw this.withBucketHint(err, container);
      }
      return;
    }
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: container,
          Key: key,
          Body: data,
          ContentLength: data.byteLength,
          ContentMD5: contentMd5(data),
          ...this.writeOptions(),
          ...this.sseCustomer(),
        }),
        sendOptions(opts),
      );
    } catch (err) {
      throw this.withBucketHint(mapS3Error(err, what, opts?.signal), container);
    }
  }

  async getObject(container: string, name: string, opts?: GetObjectOptions): Promise<Uint8Array> {
    throwIfAborted(opts?.signal);
    const key = this.key(name);
    const range = opts?.range;
    if (range !== undefined) checkRange(range);
    const what = `GET ${container}/${key}`;
    if (range?.length === 0) {
      // `bytes=a-(a-1)` is not a valid range; still prove the object exists.
      await this.headObject(container, key, opts?.signal);
      return new Uint8Array(0);
    }
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: container,
          Key: key,
          ...(range === undefined ? {} : { Range: `bytes=${range.offset}-${range.offset + range.length - 1}` }),
          ...this.sseCustomer(),
        }),
        sendOptions(opts),
      );
      if (out.Body === undefined) throw new BackendError(`s3: ${what}: the answer has no body`, true);
      // A ranged answer may be the whole object (servers that ignore Range): it gets a buffer of its own.
      const bytes = await readResponseBody(out.Body, out.ContentLength, range === undefined ? opts?.allocate : undefined, what);
      if (range !== undefined && bytes.byteLength > range.length) return trimToRange(bytes, range, out.ContentRange, what);
      return bytes;
    } catch (err) {
      // A range that starts at or past the end: like a short read of a file, there is nothing.
      if (range !== undefined && (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) {
        return new Uint8Array(0);
      }
      throw mapS3Error(err, what, opts?.signal);
    }
  }

  async deleteObject(container: string, name: string, opts?: StoreCallOptions): Promise<void> {
    throwIfAborted(opts?.signal);
    const key = this.key(name);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: container, Key: key }), sendOptions(opts));
    } catch (err) {
      // Deleting what is not there succeeds, as in Cinder; a missing bucket holds nothing.
      if (isNotFound(err)) return;
      throw mapS3Error(err, `DELETE ${container}/${key}`, opts?.signal);
    }
  }

  /**
   * Deletes many objects with DeleteObjects (up to 1000 keys a request). Missing objects are
   * not errors. Falls back to one DeleteObject per name when the server does not implement
   * batch deletes, or when a batch fails with a transient error.
   */
  async deleteObjects(container: string, names: readonly string[], opts?: StoreCallOptions): Promise<void> {
    for (let start = 0; start < names.length; start += DELETE_BATCH) {
      throwIfAborted(opts?.signal);
      const batch = names.slice(start, start + DELETE_BATCH);
      if (!this.batchDeleteSupported) {
        await this.deleteEach(container, batch, this.capabilities.maxConcurrency, opts);
        continue;
      }
      try {
        await this.deleteBatch(container, batch, opts);
      } catch (err) {
        if (isNotImplemented(err)) {
          this.batchDeleteSupported = false;
          await this.deleteEach(container, batch, this.capabilities.maxConcurrency, opts);
        } else if (err instanceof BackendError && err.transient) {
          // Deletes are idempotent, so a failed batch can be redone key by key. One at a time:
          // s3rver, for one, fails batches because its parallel deletes race each other.
          await this.deleteEach(container, batch, 1, opts);
        } else {
          throw err;
        }
      }
    }
  }

  async listObjects(container: string, prefix: string, opts?: StoreCallOptions): Promise<string[]> {
    const names: string[] = [];
    await this.eachPage(container, prefix, {}, (page) => names.push(...page.keys), opts);
    return names.sort();
  }

  /**
   * The container's `_metadata` objects. A bucket that fits in one page is read in it. For a
   * bigger one, the first page tells how big its backups are: if its keys sit in fewer
   * directories than the calls that go at once, walking the bucket by directory (about a call
   * per directory, that many at once; see findMetadataKeys) takes fewer round trips than reading
   * every page (a call per 1000 keys, one after another). Otherwise, or if the server's listings
   * disagree, the pages are read on, keeping only the `_metadata` names.
   */
  async listMetadataObjects(container: string, opts?: StoreCallOptions): Promise<string[]> {
    const found: string[] = [];
    const keep = (page: { keys: string[] }): void => {
      for (const key of page.keys) if (isMetadataKey(key)) found.push(key);
    };
    const first = await this.listKeys(container, '', {}, opts);
    keep(first);
    if (first.next === undefined) return found.sort();
    const directories = new Set(first.keys.map((k) => k.slice(0, k.lastIndexOf('/') + 1)));
    if (directories.size < this.capabilities.maxConcurrency) {
      const walked = await findMetadataKeys(this.lister(container, opts), this.capabilities.maxConcurrency, first.keys);
      if (walked) return walked;
    }
    await this.eachPage(container, '', { token: first.next }, keep, opts);
    return found.sort();
  }

  /** The walk's listings, as ListObjectsV2 calls. */
  private lister(container: string, opts: StoreCallOptions | undefined): Lister {
    return {
      level: async (prefix) => {
        const keys: string[] = [];
        const prefixes: string[] = [];
        await this.eachPage(container, prefix, { delimiter: '/' }, (page) => {
          keys.push(...page.keys);
          prefixes.push(...page.prefixes);
        }, opts);
        return { keys, prefixes };
      },
      page: async (prefix, after) => {
        const page = await this.listKeys(container, prefix, { startAfter: after }, opts);
        return { keys: page.keys, truncated: page.next !== undefined };
      },
      each: (prefix, onPage, after) => this.eachPage(container, prefix, { startAfter: after }, (page) => onPage(page.keys), opts),
    };
  }

  /** Every page of a listing, from `q.token` when given, one ListObjectsV2 call after another. */
  private async eachPage(container: string, prefix: string, q: ListQuery, onPage: (page: ListedPage) => void, opts?: StoreCallOptions): Promise<void> {
    let token = q.token;
    do {
      const page = await this.listKeys(container, prefix, { ...q, token }, opts);
      onPage(page);
      token = page.next;
    } while (token !== undefined);
  }

  /** One ListObjectsV2 call; names relative to the key prefix. A missing bucket holds nothing. */
  private async listKeys(container: string, prefix: string, q: ListQuery, opts?: StoreCallOptions): Promise<ListedPage> {
    throwIfAborted(opts?.signal);
    const fullPrefix = this.key(prefix);
    let page;
    try {
      page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: container,
          Prefix: fullPrefix,
          MaxKeys: this.config.listPageSize ?? S3_DEFAULTS.listPageSize,
          ...(q.token === undefined ? {} : { ContinuationToken: q.token }),
          ...(q.delimiter === undefined ? {} : { Delimiter: q.delimiter }),
          ...(q.startAfter === undefined ? {} : { StartAfter: this.key(q.startAfter) }),
        }),
        sendOptions(opts),
      );
    } catch (err) {
      // Like a missing directory for posix: nothing is stored there.
      if (isNoSuchBucket(err)) return { keys: [], prefixes: [] };
      throw mapS3Error(err, `LIST ${container}/${fullPrefix}`, opts?.signal);
    }
    const strip = (k: string | undefined): string[] => (k !== undefined && k.startsWith(fullPrefix) ? [k.slice(this.keyPath.length)] : []);
    const keys = (page.Contents ?? []).flatMap((o) => strip(o.Key));
    const prefixes = (page.CommonPrefixes ?? []).flatMap((p) => strip(p.Prefix));
    const token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    return token === undefined ? { keys, prefixes } : { keys, prefixes, next: token };
  }

  /**
   * The configured bucket. S3 has no cheap way to know which of the account's buckets hold
   * backups, and a backup's own container is kept in its record.
   */
  async listContainers(opts?: StoreCallOptions): Promise<string[]> {
    throwIfAborted(opts?.signal);
    return [this.config.bucket];
  }

  /** Proves the credentials and that the configured bucket is reachable (or may be created). */
  async checkForSetupError(): Promise<void> {
    const exists = await this.bucketExists(this.config.bucket);
    if (!exists && !(this.config.createBucket ?? S3_DEFAULTS.createBucket)) {
      throw new ConfigError(
        `s3: bucket ${JSON.stringify(this.config.bucket)} does not exist; create it, or set createBucket: true (URL: ?createBucket=true) to let volback create it`,
        'bucket',
      );
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** The S3 key of a Cinder object name. */
  private key(name: string): string {
    return this.keyPath + name;
  }

  private writeOptions(): Pick<PutObjectCommandInput, 'StorageClass' | 'ServerSideEncryption' | 'SSEKMSKeyId'> {
    const out: Pick<PutObjectCommandInput, 'StorageClass' | 'ServerSideEncryption' | 'SSEKMSKeyId'> = {};
    // Any class the server knows is allowed: new AWS classes and vendor ones need no release here.
    if (this.config.storageClass !== undefined) out.StorageClass = this.config.storageClass as StorageClass;
    if (this.config.sse !== undefined) out.ServerSideEncryption = this.config.sse;
    if (this.config.sseKmsKeyId !== undefined) out.SSEKMSKeyId = this.config.sseKmsKeyId;
    return out;
  }

  /**
   * SSE-C fields for every object call. The key is sent base64-encoded ourselves: the SDK would
   * otherwise guess whether a string is already base64, and Cinder's key is always raw bytes.
   */
  private sseCustomer(): { SSECustomerAlgorithm?: string; SSECustomerKey?: string } {
    const { sseCustomerAlgorithm, sseCustomerKey } = this.config;
    if (sseCustomerAlgorithm === undefined || sseCustomerKey === undefined) return {};
    return { SSECustomerAlgorithm: sseCustomerAlgorithm, SSECustomerKey: Buffer.from(sseCustomerKey, 'utf8').toString('base64') };
  }

  private async bucketExists(bucket: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }), signal === undefined ? {} : { abortSignal: signal });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw mapS3Error(err, `HEAD bucket ${bucket}`, signal);
    }
  }

  private async createBucket(bucket: string, signal?: AbortSignal): Promise<void> {
    const region = this.config.region ?? S3_DEFAULTS.region;
    try {
      await this.client.send(
        new CreateBucketCommand({
          Bucket: bucket,
          // AWS wants the region named unless it is us-east-1; Cinder never sends one.
          ...(region === 'us-east-1'
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
        }),
        signal === undefined ? {} : { abortSignal: signal },
      );
    } catch (err) {
      // Another writer won the race: the bucket is there, which is all we need.
      const code = (err as { name?: unknown }).name;
      if (code === 'BucketAlreadyOwnedByYou') return;
      throw mapS3Error(err, `CREATE bucket ${bucket}`, signal);
    }
  }

  private async headObject(bucket: string, key: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.client.send(
        new HeadObjectCommand({ Bucket: bucket, Key: key, ...this.sseCustomer() }),
        signal === undefined ? {} : { abortSignal: signal },
      );
    } catch (err) {
      throw mapS3Error(err, `HEAD ${bucket}/${key}`, signal);
    }
  }

  private async deleteBatch(container: string, names: readonly string[], opts?: StoreCallOptions): Promise<void> {
    const what = `DELETE ${names.length} objects from ${container}`;
    let out;
    try {
      out = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: container,
          Delete: { Objects: names.map((name) => ({ Key: this.key(name) })), Quiet: true },
        }),
        sendOptions(opts),
      );
    } catch (err) {
      if (isNoSuchBucket(err)) return;
      if (isNotImplemented(err)) throw err;
      throw mapS3Error(err, what, opts?.signal);
    }
    const failures = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
    const first = failures[0];
    if (first === undefined) return;
    const message = `s3: ${what}: ${failures.length} failed, first ${first.Key ?? '?'}: ${first.Code ?? '?'} ${first.Message ?? ''}`.trim();
    if (first.Code === 'AccessDenied') throw new AuthError(message);
    throw new BackendError(message, first.Code === 'InternalError' || first.Code === 'SlowDown');
  }

  private async deleteEach(container: string, names: readonly string[], concurrency: number, opts?: StoreCallOptions): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < names.length) {
        const name = names[next++];
        if (name !== undefined) await this.deleteObject(container, name, opts);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
  }

  /** A put into a missing bucket says how to get one. */
  private withBucketHint(err: unknown, container: string): unknown {
    if (err instanceof NotFoundError && /NoSuchBucket/.test(err.message)) {
      return new NotFoundError(
        `s3: bucket ${JSON.stringify(container)} does not exist; create it, or set createBucket: true to let volback create it`,
        { cause: err },
      );
    }
    return err;
  }
}

function sendOptions(opts?: StoreCallOptions): { abortSignal?: AbortSignal } {
  return opts?.signal === undefined ? {} : { abortSignal: opts.signal };
}

/**
 * Cuts the asked range out of an answer that holds more: a server that ignores Range sends the
 * whole object (200, no Content-Range), and s3rver answers `bytes=0-0` with everything.
 */
function trimToRange(bytes: Uint8Array, range: ByteRange, contentRange: string | undefined, what: string): Uint8Array {
  const match = contentRange === undefined ? null : /^bytes (\d+)-\d+\//.exec(contentRange);
  const start = match?.[1] === undefined ? 0 : Number(match[1]);
  if (start > range.offset) {
    throw new BackendError(`s3: ${what}: asked for bytes from ${range.offset}, got ${contentRange ?? 'no Content-Range'}`, false);
  }
  return bytes.subarray(range.offset - start, range.offset - start + range.length);
}

function checkRange(range: ByteRange): void {
  if (!Number.isSafeInteger(range.offset) || range.offset < 0 || !Number.isSafeInteger(range.length) || range.length < 0) {
    throw new InvalidBackupError(`s3: invalid byte range ${JSON.stringify(range)}`);
  }
}
