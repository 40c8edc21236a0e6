import type { StoreErrors } from '../store-errors.js';

/** A response body as a transport has it. */
export interface ResponseBody {
  /** The body: read chunk by chunk into the lent buffer when it is an `AsyncIterable<Uint8Array>` (a Node stream is). */
  readonly body: unknown;
  /** The length the answer announced (Content-Length), if it did. */
  readonly length: number | undefined;
  /** Reads the whole body another way (the SDK's own helper): for a body that does not stream, or an answer without a length. */
  collect(): Promise<Uint8Array>;
}

/**
 * The bytes of a response body, checked against the announced length (a short or long body is
 * a transient BackendError: a resend may cure it). Given a length, the body is copied into
 * `allocate(length)`, the engine's lent buffer, as it arrives: collecting it first and joining
 * the pieces cost a second buffer per object, and the garbage collector's work on those was
 * most of a restore's main-thread time.
 */
export async function readBody(
  errors: StoreErrors,
  what: string,
  response: ResponseBody,
  allocate: (length: number) => Uint8Array,
): Promise<Uint8Array> {
  const { body, length } = response;
  const wrongLength = (got: number): Error => errors.backend(`${what}: got ${got} bytes, Content-Length said ${length}`, true);
  if (length === undefined || !isAsyncIterable(body)) {
    const bytes = await response.collect();
    if (length !== undefined && bytes.byteLength !== length) throw wrongLength(bytes.byteLength);
    return bytes;
  }
  const into = allocate(length);
  let filled = 0;
  for await (const chunk of body) {
    // Leaving the loop early ends the stream, so the socket is not left half read.
    if (chunk.byteLength > length - filled) throw wrongLength(filled + chunk.byteLength);
    into.set(chunk, filled);
    filled += chunk.byteLength;
  }
  if (filled !== length) throw wrongLength(filled);
  return into;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof (value as Partial<AsyncIterable<Uint8Array>> | null)?.[Symbol.asyncIterator] === 'function';
}
