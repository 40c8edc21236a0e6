import { type Nfs3Client, Stable } from './nfs3-client.js';

/** How a file's data moves: requests of `ioSize` bytes (at most rtmax/wtmax), `inFlight` of them at once. */
export interface TransferShape {
  readonly ioSize: number;
  readonly inFlight: number;
}

/** Attempts at writing a file whose unstable data a server restart dropped, before giving up. */
const MAX_REWRITES = 3;

/** An errno-style error for a failure of the write protocol itself. */
function ioError(message: string): Error {
  return Object.assign(new Error(message), { code: 'EIO' });
}

/** Runs `work(offset)` for each `step`-sized offset below `end`, `width` at once; the first failure stops the rest. */
async function pipelined(end: number, step: number, width: number, work: (offset: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < end) {
      const offset = next;
      next += step;
      try {
        await work(offset);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const lanes = Array.from({ length: Math.max(1, Math.min(width, Math.ceil(end / step))) }, lane);
  const results = await Promise.allSettled(lanes);
  const failure = results.find((r) => r.status === 'rejected');
  if (failure) throw failure.reason;
}

/**
 * Writes `data` from offset 0 with UNSTABLE WRITEs, pipelined. Resolves to the write verifier
 * of the unstable data (undefined when the server made every byte stable itself). A verifier
 * that changes between WRITEs means the server restarted meanwhile: the whole file is written
 * again.
 */
export async function writeUnstable(
  nfs: Nfs3Client,
  handle: Uint8Array,
  data: Uint8Array,
  shape: TransferShape,
  what: string,
): Promise<bigint | undefined> {
  for (let attempt = 0; attempt < MAX_REWRITES; attempt++) {
    const verifiers = new Set<bigint>();
    await pipelined(data.length, shape.ioSize, shape.inFlight, async (offset) => {
      const end = Math.min(offset + shape.ioSize, data.length);
      // A server may accept less than asked: the rest goes in another WRITE.
      for (let at = offset; at < end; ) {
        const written = await nfs.write(handle, at, data.subarray(at, end), Stable.UNSTABLE, what);
        if (written.count === 0 || written.count > end - at)
          throw ioError(`WRITE ${what}: the server accepted ${written.count} of ${end - at} bytes`);
        if (written.committed === Stable.UNSTABLE) verifiers.add(written.verifier);
        at += written.count;
      }
    });
    if (verifiers.size <= 1) return verifiers.values().next().value;
  }
  throw ioError(`WRITE ${what}: the server's write verifier kept changing (it restarted ${MAX_REWRITES} times)`);
}

/**
 * Writes `data` and makes it durable: UNSTABLE WRITEs then COMMIT. When COMMIT answers with
 * another verifier than the WRITEs had, the server restarted and may have lost the data: it is
 * written and committed again.
 */
export async function writeDurably(
  nfs: Nfs3Client,
  handle: Uint8Array,
  data: Uint8Array,
  shape: TransferShape,
  what: string,
): Promise<void> {
  for (let attempt = 0; attempt < MAX_REWRITES; attempt++) {
    const written = await writeUnstable(nfs, handle, data, shape, what);
    const committed = await nfs.commit(handle, what);
    if (written === undefined || written === committed) return;
  }
  throw ioError(`COMMIT ${what}: the server's write verifier kept changing (it restarted ${MAX_REWRITES} times)`);
}

/**
 * Reads `size` bytes from offset 0 into `into`, pipelined. A file that ended early (it shrank
 * meanwhile) gives the bytes before its end.
 */
export async function readInto(
  nfs: Nfs3Client,
  handle: Uint8Array,
  into: Uint8Array,
  shape: TransferShape,
  what: string,
): Promise<Uint8Array> {
  let end = into.length;
  await pipelined(into.length, shape.ioSize, shape.inFlight, async (offset) => {
    const stop = Math.min(offset + shape.ioSize, into.length);
    for (let at = offset; at < stop && at < end; ) {
      const read = await nfs.read(handle, at, stop - at, into, at, what);
      at += read.count;
      if (read.eof || read.count === 0) {
        if (at < into.length) end = Math.min(end, at);
        break;
      }
    }
  });
  return end === into.length ? into : into.subarray(0, end);
}
