import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type CompletedPart,
  type CreateMultipartUploadCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { contentMd5 } from './content-md5.js';
import { classifyS3Error, s3Errors } from './s3-errors.js';

/** S3 allows at most this many parts per upload. */
const MAX_PARTS = 10_000;

/** What {@link uploadMultipart} needs besides the data. */
export interface MultipartUploadParams {
  client: S3Client;
  /** Bucket, key and the write options (storage class, encryption) of the object. */
  create: CreateMultipartUploadCommandInput & { Bucket: string; Key: string };
  /** SSE-C fields every UploadPart must repeat. */
  sseCustomer: { SSECustomerAlgorithm?: string; SSECustomerKey?: string };
  /** Preferred part size; raised when the object would need more than {@link MAX_PARTS}. */
  partSize: number;
  /** Parts in flight at once. */
  concurrency: number;
  signal: AbortSignal;
  /** For error messages, e.g. `PUT bucket/key`. */
  what: string;
}

/** The part size actually used for an object of `size` bytes. */
function effectivePartSize(size: number, preferred: number): number {
  return Math.max(preferred, Math.ceil(size / MAX_PARTS));
}

/**
 * Uploads `data` as a multipart upload. Parts are views into `data` (no copies), each sent with
 * its own Content-MD5 so the server rejects a damaged part, and at most `concurrency` are in
 * flight. Any failure aborts the upload so no orphan parts stay billed; the first error is thrown.
 */
export async function uploadMultipart(data: Uint8Array, params: MultipartUploadParams): Promise<void> {
  const { client, create, sseCustomer, signal, what } = params;
  const sendOpts = { abortSignal: signal };
  let uploadId: string | undefined;
  try {
    const created = await client.send(new CreateMultipartUploadCommand(create), sendOpts);
    uploadId = created.UploadId;
  } catch (err) {
    throw classifyS3Error(err, `${what}: CreateMultipartUpload`);
  }
  if (uploadId === undefined) throw s3Errors.backend(`${what}: CreateMultipartUpload returned no UploadId`, false);

  const partSize = effectivePartSize(data.byteLength, params.partSize);
  const partCount = Math.max(1, Math.ceil(data.byteLength / partSize));
  const completed: CompletedPart[] = new Array<CompletedPart>(partCount);
  let next = 0;
  let failure: unknown;

  const worker = async (): Promise<void> => {
    while (failure === undefined && next < partCount) {
      const index = next++;
      const body = data.subarray(index * partSize, Math.min(data.byteLength, (index + 1) * partSize));
      try {
        const out = await client.send(
          new UploadPartCommand({
            Bucket: create.Bucket,
            Key: create.Key,
            UploadId: uploadId,
            PartNumber: index + 1,
            Body: body,
            ContentLength: body.byteLength,
            ContentMD5: contentMd5(body),
            ...sseCustomer,
          }),
          sendOpts,
        );
        if (out.ETag === undefined) throw s3Errors.backend(`${what}: UploadPart ${index + 1} returned no ETag`, false);
        completed[index] = { ETag: out.ETag, PartNumber: index + 1 };
      } catch (err) {
        failure ??= classifyS3Error(err, `${what}: UploadPart ${index + 1}/${partCount}`);
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(params.concurrency, partCount) }, worker));
    if (failure !== undefined) throw failure;
    try {
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: create.Bucket,
          Key: create.Key,
          UploadId: uploadId,
          MultipartUpload: { Parts: completed },
          ...sseCustomer,
        }),
        sendOpts,
      );
    } catch (err) {
      throw classifyS3Error(err, `${what}: CompleteMultipartUpload`);
    }
  } catch (err) {
    // Best effort, and not cancellable: the caller's signal may be what stopped us. Some test
    // servers (s3rver) do not implement AbortMultipartUpload at all.
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: create.Bucket, Key: create.Key, UploadId: uploadId }))
      .catch(() => undefined);
    throw err;
  }
}
