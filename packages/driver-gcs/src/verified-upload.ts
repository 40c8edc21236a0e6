import { createHash } from 'node:crypto';
import type { File } from '@google-cloud/storage';
import { IntegrityError } from '@volback/core/driver';

/**
 * Uploads `data` as `file` in one request (a multipart upload: metadata and bytes together), and
 * proves what GCS stored: the MD5 goes with the metadata, so GCS refuses bytes damaged on the way
 * (400), and the `md5Hash` of the answer must be ours, as Cinder's GCS driver checks. On a
 * mismatch that generation of the object is removed, so a damaged object never stays under the
 * name. One request means no resumable session: nothing is left behind by an interrupted upload,
 * and the emulator (which finalizes a resumable upload on its first chunk) stores it right.
 */
export async function uploadVerified(file: File, data: Uint8Array): Promise<void> {
  const md5 = createHash('md5').update(data).digest('base64');
  await file.save(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    resumable: false,
    // Ours is the check that counts: the SDK's own compares a hash of the stream it sent.
    validation: false,
    metadata: { contentType: 'application/octet-stream', md5Hash: md5 },
  });
  const stored = file.metadata.md5Hash;
  if (stored === md5) return;
  const generation = file.metadata.generation;
  await file
    .delete({ ignoreNotFound: true, ...(generation === undefined ? {} : { ifGenerationMatch: generation }) })
    .catch(() => undefined);
  throw new IntegrityError(
    `gcs: PUT ${file.bucket.name}/${file.name}: GCS stored md5Hash ${stored ?? '(none)'}, the bytes sent have ${md5}; the object was removed`,
    file.name,
    { transient: true },
  );
}
