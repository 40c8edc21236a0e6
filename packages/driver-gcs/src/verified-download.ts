import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { CRC32C, type File } from '@google-cloud/storage';
import { IntegrityError, readBody } from '@volback/core/driver';
import { gcsErrors } from './gcs-errors.js';

/** The hashes GCS sends with an object's bytes: `x-goog-hash: crc32c=…,md5=…` (base64). */
function googHashes(header: string | string[] | undefined): { md5?: string; crc32c?: string } {
  const found: { md5?: string; crc32c?: string } = {};
  for (const part of [header ?? []].flat().join(',').split(',')) {
    const at = part.indexOf('=');
    const kind = part.slice(0, at).trim();
    if (kind === 'md5' || kind === 'crc32c') found[kind] = part.slice(at + 1).trim();
  }
  return found;
}

/** The answer's headers once it is a success; the SDK's error (404, 401, …) otherwise. */
function answerOf(stream: Readable): Promise<IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.once('response', (res: { statusCode?: number; headers: IncomingHttpHeaders }) => {
      // A failed answer is followed by the stream's error, with GCS's message.
      if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) {
        stream.off('error', reject);
        resolve(res.headers);
      }
    });
    // A paused stream sends its request when first read.
    stream.read(0);
  });
}

/**
 * The whole object, read into the engine's buffer as it arrives and hashed on the way; returned
 * only when its MD5 is the one GCS sends in `x-goog-hash` (its CRC32C for a composite object,
 * which has no MD5). The SDK's own check is off: it skips objects whose answer lacks
 * `x-goog-stored-content-encoding`, as the emulator's do, and a check that can be skipped
 * silently is no check.
 */
export async function downloadVerified(file: File, signal: AbortSignal, allocate: (length: number) => Uint8Array): Promise<Uint8Array> {
  const what = `GET ${file.bucket.name}/${file.name}`;
  const stream = file.createReadStream({ validation: false, decompress: false });
  try {
    const headers = await answerOf(stream);
    // Stored gzip-encoded (by another tool): what comes is not the object's bytes as written.
    if (headers['content-encoding'] === 'gzip')
      throw gcsErrors.invalid(`${what}: the object is stored gzip-encoded; volback and Cinder never write one`);
    const expected = googHashes(headers['x-goog-hash']);
    if (expected.md5 === undefined && expected.crc32c === undefined) {
      throw new IntegrityError(`gcs: ${what}: the answer carries no x-goog-hash, so its bytes cannot be verified`, file.name);
    }
    const md5 = expected.md5 === undefined ? undefined : createHash('md5');
    const crc32c = md5 === undefined ? new CRC32C() : undefined;
    async function* hashed(): AsyncGenerator<Uint8Array> {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        // Core has given up on the call by then; checked per chunk rather than with a listener,
        // which concurrent reads would pile up on a shared signal.
        if (signal.aborted) throw gcsErrors.cancelled(what, signal.reason);
        md5?.update(chunk);
        crc32c?.update(chunk);
        yield chunk;
      }
    }
    const body = hashed();
    const lengthHeader = headers['content-length'];
    const length = lengthHeader === undefined ? undefined : Number(lengthHeader);
    const bytes = await readBody(
      gcsErrors,
      what,
      {
        body,
        length: Number.isSafeInteger(length) ? length : undefined,
        collect: async () => {
          const chunks: Uint8Array[] = [];
          for await (const chunk of body) chunks.push(chunk);
          return Buffer.concat(chunks);
        },
      },
      allocate,
    );
    const [kind, want, got] =
      md5 !== undefined ? ['md5', expected.md5, md5.digest('base64')] : ['crc32c', expected.crc32c, (crc32c as CRC32C).toString()];
    if (got !== want) {
      throw new IntegrityError(`gcs: ${what}: the bytes read have ${kind} ${got}, GCS says the object has ${want}`, file.name);
    }
    return bytes;
  } finally {
    if (!stream.readableEnded) stream.destroy();
  }
}
