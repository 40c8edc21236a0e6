import { BackendError } from '@volback/core';

/** A GetObject body as the SDK gives it in Node: a readable stream with the SDK's helpers. */
export interface ResponseBody {
  transformToByteArray(): Promise<Uint8Array>;
}

/**
 * The bytes of a response body. Given the length (Content-Length) and a buffer lender, the body
 * is copied into the lent buffer as it arrives. Collecting it first and joining the pieces cost a
 * second buffer per object, and the garbage collector's work on those was most of a restore's
 * main-thread time here.
 */
export async function readResponseBody(
  body: ResponseBody,
  length: number | undefined,
  allocate: ((length: number) => Uint8Array) | undefined,
  what: string,
): Promise<Uint8Array> {
  const stream = body as Partial<AsyncIterable<Uint8Array>>;
  if (length === undefined || allocate === undefined || typeof stream[Symbol.asyncIterator] !== 'function') {
    const bytes = await body.transformToByteArray();
    if (length !== undefined && bytes.byteLength !== length) throw shortBody(what, bytes.byteLength, length);
    return bytes;
  }
  const into = allocate(length);
  let filled = 0;
  for await (const chunk of stream as AsyncIterable<Uint8Array>) {
    // Leaving the loop early destroys the stream, so the socket is not left half read.
    if (chunk.byteLength > length - filled) throw shortBody(what, filled + chunk.byteLength, length);
    into.set(chunk, filled);
    filled += chunk.byteLength;
  }
  if (filled !== length) throw shortBody(what, filled, length);
  return into;
}

function shortBody(what: string, got: number, length: number): BackendError {
  return new BackendError(`s3: ${what}: got ${got} bytes, Content-Length said ${length}`, true);
}
