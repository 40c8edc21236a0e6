import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { isNoSuchBucket, isNotFound, isNotImplemented, s3Errors } from './s3-errors.js';

/** Where {@link removeIncompleteUploads} looks, and what it does. */
export interface IncompleteUploadsQuery {
  bucket: string;
  /** The store's key prefix (with its `/`), or `''`: uploads of keys outside it are not the store's. */
  prefix: string;
  /** Uploads begun at or after this may still be running. */
  before: Date;
  /** Count, remove nothing. */
  dryRun: boolean;
  signal: AbortSignal;
}

/**
 * Aborts (with `dryRun`, only counts) the multipart uploads under `prefix` begun before `before`
 * and never completed: a put interrupted before it could abort its own upload leaves the parts
 * stored, and billed, where no listing of objects shows them.
 */
export async function removeIncompleteUploads(client: S3Client, query: IncompleteUploadsQuery): Promise<number> {
  const { bucket, prefix, before, dryRun, signal } = query;
  let removed = 0;
  let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
  for (;;) {
    let page;
    try {
      page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, ...markers }), { abortSignal: signal });
    } catch (err) {
      // A server without the call (s3rver) cannot show them: prune goes on without.
      if (isNoSuchBucket(err) || isNotImplemented(err)) return removed;
      throw err;
    }
    for (const { Key, UploadId, Initiated } of page.Uploads ?? []) {
      if (Key === undefined || UploadId === undefined || Initiated === undefined || Initiated >= before) continue;
      try {
        if (!dryRun) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key, UploadId }), { abortSignal: signal });
        removed++;
      } catch (err) {
        // Completed or aborted meanwhile: nothing left to remove.
        if (!isNotFound(err)) throw err;
      }
    }
    if (page.IsTruncated !== true) return removed;
    const next = { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker };
    if (next.KeyMarker === undefined || (next.KeyMarker === markers.KeyMarker && next.UploadIdMarker === markers.UploadIdMarker)) {
      throw s3Errors.backend(`LIST uploads ${bucket}/${prefix}: a truncated listing gave no new marker`, false);
    }
    markers = next;
  }
}
