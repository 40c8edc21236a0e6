import type { Bucket, Storage } from '@google-cloud/storage';
import { defineObjectStore, objectStoreLayout, type ObjectStore } from '@volback/core/driver';
import type { GcsConfig } from './config.js';
import { classifyGcsError, gcsErrors, isNotFound } from './gcs-errors.js';
import { listObjectsPage } from './gcs-listing.js';
import { downloadVerified } from './verified-download.js';
import { uploadVerified } from './verified-upload.js';

/**
 * Cinder's GCS backup layout (`cinder.backup.drivers.gcs.GoogleBackupDriver`) from validated
 * config: one bucket per container, objects named `volume_<vol>/<ts>/az_<az>_backup_<id>…`,
 * optionally under a name prefix the engine never sees. Every object goes up in one request with
 * its MD5, and is checked against GCS's md5Hash after the upload and on every read.
 */
export function gcsObjectStore(config: GcsConfig, storage: Storage): ObjectStore {
  const buckets = new Map<string, Bucket>();
  const bucketOf = (name: string): Bucket => {
    let bucket = buckets.get(name);
    if (bucket === undefined) buckets.set(name, (bucket = storage.bucket(name)));
    return bucket;
  };
  const sdkRetries = config.maxRetries > 0;
  const missingBucket = (bucket: string): string =>
    `bucket ${JSON.stringify(bucket)} does not exist; create it, or set createBucket: true (URL: ?createBucket=true) to let volback create it`;

  /**
   * Whether the bucket is there, by listing it: that needs only the objects permission volback
   * needs anyway (not storage.buckets.get), and it is right on the emulator too, whose buckets
   * exist once named but whose bucket lookups always say 404.
   */
  const bucketExists = async (bucket: string): Promise<boolean> => {
    try {
      await bucketOf(bucket).getFiles({ autoPaginate: false, maxResults: 1, fields: 'nextPageToken' });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw classifyGcsError(err, `LIST ${bucket}`, sdkRetries);
    }
  };

  const { availabilityZone, bucket: defaultContainer, keyPrefix = '', maxConcurrency } = config;
  return defineObjectStore('gcs', {
    service: 'cinder.backup.drivers.gcs.GoogleBackupDriver',
    layout: objectStoreLayout({ availabilityZone, defaultContainer, keyPrefix }),
    maxConcurrency,
    // startAfter is sent as startOffset, which a server may ignore: see gcs-listing.ts.
    listing: { delimiter: true, startAfter: true },
    classifyError: (err, what) => classifyGcsError(err, what, sdkRetries),

    async ensureContainer(bucket) {
      if (await bucketExists(bucket)) return;
      if (!config.createBucket) throw gcsErrors.notFound(missingBucket(bucket));
      try {
        await storage.createBucket(bucket, { location: config.location, storageClass: config.storageClass });
      } catch (err) {
        // 409: another writer won the race (or the name is someone else's, which the next call says).
        if ((err as { code?: unknown }).code === 409 && (await bucketExists(bucket))) return;
        throw classifyGcsError(err, `CREATE bucket ${bucket}`, sdkRetries);
      }
    },

    async put(bucket, key, data) {
      if (data.byteLength > config.maxUploadBytes) {
        throw gcsErrors.config(
          `PUT ${bucket}/${key}: the object has ${data.byteLength} bytes, more than maxUploadBytes (${config.maxUploadBytes}): ` +
            `every object goes up whole in one request; back up with an object size of at most ${config.maxUploadBytes} bytes`,
          'maxUploadBytes',
        );
      }
      try {
        await uploadVerified(bucketOf(bucket).file(key), data);
      } catch (err) {
        // The SDK says 404 for a put into a missing bucket: say how to get one.
        if (isNotFound(err)) throw gcsErrors.notFound(missingBucket(bucket), err);
        throw err;
      }
    },

    get: (bucket, key, { signal, allocate }) => downloadVerified(bucketOf(bucket).file(key), signal, allocate),

    async delete(bucket, key) {
      // Deleting what is not there succeeds, as in Cinder; a missing bucket holds nothing.
      await bucketOf(bucket).file(key).delete({ ignoreNotFound: true });
    },

    async listPage(bucket, query) {
      try {
        return await listObjectsPage(bucketOf(bucket), query, config.listPageSize);
      } catch (err) {
        // Like a missing directory for posix: nothing is stored there.
        if (isNotFound(err)) return { names: [] };
        throw err;
      }
    },

    // Which of a project's buckets hold backups is not cheap to know, and a backup's own
    // container is kept in its record.
    listContainers: async () => [config.bucket],

    /** Proves the credentials and that the configured bucket is reachable (or may be created). */
    async check() {
      if (!(await bucketExists(config.bucket)) && !config.createBucket) throw gcsErrors.config(missingBucket(config.bucket), 'bucket');
    },
  });
}
