import { randomBytes } from 'node:crypto';
import type { BlockBlobClient } from '@azure/storage-blob';
import { md5 } from './md5.js';

/** Azure allows at most this many committed blocks per blob. */
const MAX_BLOCKS = 50_000;

/** What {@link uploadStaged} needs besides the data. */
export interface StagedUploadParams {
  blob: BlockBlobClient;
  /** Preferred block size; raised when the object would need more than {@link MAX_BLOCKS}. */
  blockSize: number;
  /** Blocks in flight at once. */
  concurrency: number;
  tier: string | undefined;
  signal: AbortSignal;
  /** Called as bytes go out (for a stall guard). */
  onProgress: () => void;
}

/** The block size actually used for an object of `size` bytes. */
function effectiveBlockSize(size: number, preferred: number): number {
  return Math.max(preferred, Math.ceil(size / MAX_BLOCKS));
}

/**
 * The ids of one upload's blocks. Azure wants ids of one length per blob, base64; a random part
 * keeps two writers of the same blob from committing each other's uncommitted blocks.
 */
function blockIds(count: number): string[] {
  const upload = randomBytes(12);
  return Array.from({ length: count }, (_, index) => {
    const id = Buffer.alloc(16);
    upload.copy(id, 0);
    id.writeUInt32BE(index, 12);
    return id.toString('base64');
  });
}

/**
 * Uploads `data` as staged blocks, then commits them. Blocks are views into `data` (no copies),
 * each sent with its own Content-MD5 so the service rejects a damaged block, and at most
 * `concurrency` are in flight. The commit sets the blob's Content-MD5, which a committed block
 * list otherwise lacks, so reads can check the whole object. Blocks of a failed upload are never
 * committed; Azure discards uncommitted blocks after a week. The first error is thrown.
 */
export async function uploadStaged(data: Uint8Array, params: StagedUploadParams): Promise<void> {
  const { blob, signal } = params;
  const blockSize = effectiveBlockSize(data.byteLength, params.blockSize);
  const count = Math.max(1, Math.ceil(data.byteLength / blockSize));
  const ids = blockIds(count);
  let next = 0;
  let failure: unknown;

  const worker = async (): Promise<void> => {
    while (failure === undefined && next < count) {
      const index = next++;
      const body = data.subarray(index * blockSize, Math.min(data.byteLength, (index + 1) * blockSize));
      try {
        await blob.stageBlock(ids[index]!, body, body.byteLength, {
          transactionalContentMD5: md5(body),
          abortSignal: signal,
          onProgress: params.onProgress,
        });
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(params.concurrency, count) }, worker));
  if (failure !== undefined) throw failure;
  await blob.commitBlockList(ids, {
    blobHTTPHeaders: { blobContentMD5: md5(data) },
    ...(params.tier === undefined ? {} : { tier: params.tier }),
    abortSignal: signal,
  });
}
