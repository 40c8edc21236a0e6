import { constants, Inflate } from 'node:zlib';

/**
 * The native handle under a node:zlib stream. Its `writeSync` inflates into any buffer the caller
 * gives; node:zlib's own functions always allocate the output. Not in Node's typings.
 */
interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOffset: number, inLength: number, out: Uint8Array, outOffset: number, outLength: number): void;
}

interface InflateInternals {
  _handle?: ZlibHandle | null;
  /** [output bytes left, input bytes left] after each write. */
  _writeState?: Uint32Array;
}

/** Enough room to tell whether a stream holds more than the output took. */
const PROBE_BYTES = 64;

/**
 * Inflates one zlib stream (RFC 1950) into `out` and returns the bytes written, as
 * `zlib.inflateSync` would decode it: bytes after the stream's end are ignored, a truncated or
 * damaged stream throws. Throws a RangeError when the stream holds more than `out` takes.
 *
 * Returns null when this Node's zlib does not offer its handle: the caller then inflates the
 * usual way. An 8 MiB object inflated by node:zlib leaves an 8 MiB buffer for the collector;
 * a worker collects them late, and a zlib restore peaked near twice a zstd one's memory.
 */
export function inflateInto(data: Uint8Array, out: Uint8Array): number | null {
  const engine = new Inflate({ chunkSize: PROBE_BYTES });
  const { _handle: handle, _writeState: state } = engine as unknown as InflateInternals;
  if (!handle || typeof handle.writeSync !== 'function' || !(state instanceof Uint32Array) || state.length < 2) {
    engine.close();
    return null;
  }
  // A failed write destroys the stream at once and reports the error on the next tick.
  engine.on('error', () => undefined);
  const write = (inOffset: number, target: Uint8Array): { produced: number; inputLeft: number } => {
    const inLength = data.length - inOffset;
    handle.writeSync(constants.Z_FINISH, data, inOffset, inLength, target, 0, target.length);
    if (engine.destroyed) throw engine.errored ?? new Error('zlib stream failed');
    return { produced: target.length - (state[0] as number), inputLeft: state[1] as number };
  };
  try {
    const first = write(0, out);
    // A full output may hold all of it or only part: one more write tells.
    if (first.produced === out.length && write(data.length - first.inputLeft, new Uint8Array(PROBE_BYTES)).produced > 0) {
      throw new RangeError(`the stream holds more than ${out.length} bytes`);
    }
    return first.produced;
  } finally {
    if (!engine.destroyed) engine.close();
  }
}
