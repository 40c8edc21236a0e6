import { constants, Deflate, Inflate } from 'node:zlib';
import { tooLongError } from './decode-error.js';

/**
 * The native handle under a node:zlib stream. Its `writeSync` writes into any buffer the caller
 * gives; node:zlib's own functions always allocate the output. Not in Node's typings.
 */
interface ZlibHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOffset: number,
    inLength: number,
    out: Uint8Array,
    outOffset: number,
    outLength: number,
  ): void;
}

interface StreamInternals {
  _handle?: ZlibHandle | null;
  /** [output bytes left, input bytes left] after each write. */
  _writeState?: Uint32Array;
}

/** Enough room to tell whether a stream holds more than the output took. */
const PROBE_BYTES = 64;

type Write = (inOffset: number, out: Uint8Array) => { produced: number; inputLeft: number };

/**
 * Runs `use` with a one-shot writer over a fresh stream's handle, or returns null when this
 * Node's zlib does not offer the handle (the caller then uses node:zlib's functions).
 */
function withHandle<T>(engine: Inflate | Deflate, data: Uint8Array, use: (write: Write) => T): T | null {
  const { _handle: handle, _writeState: state } = engine as unknown as StreamInternals;
  if (!handle || typeof handle.writeSync !== 'function' || !(state instanceof Uint32Array) || state.length < 2) {
    engine.close();
    return null;
  }
  // A failed write destroys the stream at once and reports the error on the next tick.
  engine.on('error', () => undefined);
  const write: Write = (inOffset, out) => {
    handle.writeSync(constants.Z_FINISH, data, inOffset, data.length - inOffset, out, 0, out.length);
    if (engine.destroyed) throw engine.errored ?? new Error('zlib stream failed');
    return { produced: out.length - (state[0] as number), inputLeft: state[1] as number };
  };
  try {
    return use(write);
  } finally {
    if (!engine.destroyed) engine.close();
  }
}

/**
 * Inflates one zlib stream (RFC 1950) into `out` and returns the bytes written, as
 * `zlib.inflateSync` would decode it: bytes after the stream's end are ignored, a truncated or
 * damaged stream throws. Throws an IntegrityError when the stream holds more than `out` takes,
 * having inflated no more than `out` and a few bytes to tell. Null when the handle is not there.
 *
 * An 8 MiB object inflated by node:zlib leaves an 8 MiB buffer for the collector; a worker
 * collects them late, and a zlib restore peaked near twice a zstd one's memory.
 */
export function inflateInto(data: Uint8Array, out: Uint8Array): number | null {
  return withHandle(new Inflate({ chunkSize: PROBE_BYTES }), data, (write) => {
    // zlib takes no empty output buffer: an empty object has only the probe to fill.
    const first = out.length > 0 ? write(0, out) : { produced: 0, inputLeft: data.length };
    // A full output may hold all of it or only part: one more write tells.
    if (first.produced === out.length && write(data.length - first.inputLeft, new Uint8Array(PROBE_BYTES)).produced > 0) {
      throw tooLongError('zlib', out.length);
    }
    return first.produced;
  });
}

/**
 * Deflates `data` into `out` as one zlib stream, the bytes `zlib.deflateSync(data, { level })`
 * makes, and returns its length; `false` when it does not fit in `out`. Null when the handle is
 * not there.
 */
export function deflateInto(data: Uint8Array, out: Uint8Array, level: number): number | false | null {
  return withHandle(new Deflate({ chunkSize: PROBE_BYTES, level }), data, (write) => {
    const { produced } = write(0, out);
    // With output room left, Z_FINISH has ended the stream; a full output may have cut it short.
    return produced < out.length ? produced : false;
  });
}
