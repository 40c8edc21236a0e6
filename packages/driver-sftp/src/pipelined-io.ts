import type { SFTPWrapper } from 'ssh2';

/** How a transfer is cut into SFTP requests. */
export interface Pipelining {
  /** Bytes per READ or WRITE request. */
  readonly requestSize: number;
  /** Requests kept in flight at once. */
  readonly inFlight: number;
}

/**
 * Writes all of `data` at offset 0 of the open `handle`, `inFlight` WRITE requests at a time:
 * one request per round trip (what a plain stream does) is what makes SFTP slow. Rejects with
 * the first failure; the file's content is then undefined (the caller removes it).
 */
export function writeAll(sftp: SFTPWrapper, handle: Buffer, data: Buffer, { requestSize, inFlight }: Pipelining): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let active = 0;
    let failed = false;
    const pump = (): void => {
      while (!failed && active < inFlight && next < data.length) {
        const offset = next;
        const length = Math.min(requestSize, data.length - offset);
        next += length;
        active++;
        try {
          sftp.write(handle, data, offset, length, offset, (err) => {
            active--;
            if (failed) return;
            if (err) {
              failed = true;
              return reject(err);
            }
            if (next >= data.length && active === 0) resolve();
            else pump();
          });
        } catch (err) {
          failed = true;
          reject(err);
        }
      }
    };
    if (data.length === 0) resolve();
    else pump();
  });
}

/**
 * Reads bytes [0, `into.length`) of the open `handle` into `into`, `inFlight` READ requests at
 * a time. A short read asks again for the rest; a read that returns nothing marks the end of
 * the file (it shrank). Resolves with how many bytes from 0 were read without a gap.
 */
export function readAll(sftp: SFTPWrapper, handle: Buffer, into: Buffer, { requestSize, inFlight }: Pipelining): Promise<number> {
  return new Promise((resolve, reject) => {
    // Ranges still to read; a short read puts its rest back.
    const pending: { offset: number; length: number }[] = [];
    for (let offset = 0; offset < into.length; offset += requestSize) {
      pending.push({ offset, length: Math.min(requestSize, into.length - offset) });
    }
    pending.reverse();
    let end = into.length;
    let active = 0;
    let failed = false;
    const pump = (): void => {
      while (!failed && active < inFlight && pending.length > 0) {
        const range = pending.pop()!;
        // Past the end found so far: nothing there to read.
        if (range.offset >= end) continue;
        active++;
        try {
          sftp.read(handle, into, range.offset, range.length, range.offset, (err, bytesRead) => {
            active--;
            if (failed) return;
            if (err) {
              failed = true;
              return reject(err);
            }
            if (bytesRead === 0) end = Math.min(end, range.offset);
            else if (bytesRead < range.length) pending.push({ offset: range.offset + bytesRead, length: range.length - bytesRead });
            if (pending.length === 0 && active === 0) resolve(end);
            else pump();
          });
        } catch (err) {
          failed = true;
          reject(err);
        }
      }
      if (!failed && pending.length === 0 && active === 0) resolve(end);
    };
    pump();
  });
}
