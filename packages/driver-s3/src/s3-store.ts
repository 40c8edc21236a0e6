import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type BucketLocationConstraint,
  type PutObjectCommandInput,
  type S3Client,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { defineObjectStore, NotFoundError, objectStoreLayout, readBody, type ObjectStore } from '@volback/core/driver';
import type { S3Config } from './config.js';
import { contentMd5 } from './content-md5.js';
import { uploadMultipart } from './multipart-upload.js';
import { removeIncompleteUploads } from './incomplete-uploads.js';
import { classifyS3Error, isNoSuchBucket, isNotFound, s3Errors } from './s3-errors.js';

type WriteOptions = Pick<PutObjectCommandInput, 'StorageClass' | 'ServerSideEncryption' | 'SSEKMSKeyId'>;

/**
 * Cinder's S3 backup layout (`cinder.backup.drivers.s3.S3BackupDriver`) on any S3-compatible
 * store, from validated config: one bucket per container, objects named
 * `volume_<vol>/<ts>/az_<az>_backup_<id>…`, optionally under a key prefix the engine never sees.
 * Every upload carries Content-MD5 of the stored bytes, so the server rejects damaged uploads;
 * objects above `multipartThreshold` go up in parts with bounded memory.
 */
export function s3ObjectStore(config: S3Config, client: S3Client): ObjectStore {
  // Any class the server knows is allowed: new AWS classes and vendor ones need no release here.
  const writeOptions: WriteOptions = {
    ...(config.storageClass === undefined ? {} : { StorageClass: config.storageClass as StorageClass }),
    ...(config.sse === undefined ? {} : { ServerSideEncryption: config.sse }),
    ...(config.sseKmsKeyId === undefined ? {} : { SSEKMSKeyId: config.sseKmsKeyId }),
  };
  // SSE-C fields for every object call. The key is sent base64-encoded ourselves: the SDK would
  // otherwise guess whether a string is already base64, and Cinder's key is always raw bytes.
  const sseCustomer =
    config.sseCustomerKey === undefined || config.sseCustomerAlgorithm === undefined
      ? {}
      : {
          SSECustomerAlgorithm: config.sseCustomerAlgorithm,
          SSECustomerKey: Buffer.from(config.sseCustomerKey, 'utf8').toString('base64'),
        };
  const missingBucket = (bucket: string): string =>
    `bucket ${JSON.stringify(bucket)} does not exist; create it, or set createBucket: true (URL: ?createBucket=true) to let volback create it`;

  const bucketExists = async (bucket: string, signal?: AbortSignal): Promise<boolean> => {
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw classifyS3Error(err, `HEAD bucket ${bucket}`);
    }
  };

  const layout = objectStoreLayout({
    availabilityZone: config.availabilityZone,
    defaultContainer: config.bucket,
    keyPrefix: config.keyPrefix ?? '',
  });

  return defineObjectStore('s3', {
    service: 'cinder.backup.drivers.s3.S3BackupDriver',
    layout,
    maxConcurrency: config.maxConcurrency,
    listing: { delimiter: true, startAfter: true },
    classifyError: classifyS3Error,

    async ensureContainer(bucket, { signal }) {
      if (await bucketExists(bucket, signal)) return;
      if (!config.createBucket) throw s3Errors.notFound(missingBucket(bucket));
      try {
        await client.send(
          new CreateBucketCommand({
            Bucket: bucket,
            // AWS wants the region named unless it is us-east-1; Cinder never sends one.
            ...(config.region === 'us-east-1'
              ? {}
              : { CreateBucketConfiguration: { LocationConstraint: config.region as BucketLocationConstraint } }),
          }),
          { abortSignal: signal },
        );
      } catch (err) {
        // Another writer won the race: the bucket is there, which is all we need.
        if ((err as { name?: unknown }).name !== 'BucketAlreadyOwnedByYou') throw classifyS3Error(err, `CREATE bucket ${bucket}`);
      }
    },

    async put(bucket, key, data, { signal }) {
      try {
        if (data.byteLength > config.multipartThreshold) {
          const { partSize, partConcurrency: concurrency } = config;
          const create = { Bucket: bucket, Key: key, ...writeOptions };
          await uploadMultipart(data, { client, create, sseCustomer, partSize, concurrency, signal, what: `PUT ${bucket}/${key}` });
          return;
        }
        const body = { Body: data, ContentLength: data.byteLength, ContentMD5: contentMd5(data) };
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, ...body, ...writeOptions, ...sseCustomer }), {
          abortSignal: signal,
        });
      } catch (err) {
        // A put into a missing bucket says how to get one.
        if (isNoSuchBucket(err) || (err instanceof NotFoundError && /NoSuchBucket/.test(err.message)))
          throw s3Errors.notFound(missingBucket(bucket), err);
        throw err;
      }
    },

    async get(bucket, key, { signal, allocate }) {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...sseCustomer }), { abortSignal: signal });
      const body = out.Body;
      if (body === undefined) throw s3Errors.backend(`GET ${bucket}/${key}: the answer has no body`, true);
      return readBody(
        s3Errors,
        `GET ${bucket}/${key}`,
        { body, length: out.ContentLength, collect: () => body.transformToByteArray() },
        allocate,
      );
    },

    async delete(bucket, key, { signal }) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
      } catch (err) {
        // Deleting what is not there succeeds, as in Cinder; a missing bucket holds nothing.
        if (!isNotFound(err)) throw err;
      }
    },

    async listPage(bucket, { prefix, cursor, delimiter, startAfter }, { signal }) {
      let page;
      try {
        page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            MaxKeys: config.listPageSize,
            ContinuationToken: cursor,
            Delimiter: delimiter,
            StartAfter: startAfter,
          }),
          { abortSignal: signal },
        );
      } catch (err) {
        // Like a missing directory for posix: nothing is stored there.
        if (isNoSuchBucket(err)) return { names: [] };
        throw err;
      }
      const names = (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [o.Key]));
      const prefixes = (page.CommonPrefixes ?? []).flatMap((p) => (p.Prefix === undefined ? [] : [p.Prefix]));
      const next = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      return { names, prefixes, ...(next === undefined ? {} : { next }) };
    },

    // S3 has no cheap way to know which of the account's buckets hold backups, and a backup's
    // own container is kept in its record.
    listContainers: async () => [config.bucket],

    removeIncompleteWrites: (before, { signal, dryRun }) =>
      removeIncompleteUploads(client, { bucket: config.bucket, prefix: layout.keyPrefix, before, dryRun, signal }),

    /** Proves the credentials and that the configured bucket is reachable (or may be created). */
    async check() {
      if (!(await bucketExists(config.bucket)) && !config.createBucket) throw s3Errors.config(missingBucket(config.bucket), 'bucket');
    },

    async close() {
      client.destroy();
    },
  });
}
