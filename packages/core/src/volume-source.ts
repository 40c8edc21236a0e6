import { open, type FileHandle } from 'node:fs/promises';
import { blockDeviceSize } from './block-device.js';
import { InvalidVolumeError } from './errors.js';

/** A volume to back up: a fixed number of bytes read at offsets. */
export interface VolumeSource {
  /** Size in bytes; fixed for the whole backup. */
  readonly size: number;
  /** Reads exactly `length` bytes at `offset` into `into` (from its start). */
  readAt(offset: number, length: number, into: Uint8Array): Promise<void>;
  /** Releases what the source holds open. The engine never calls it: whoever opened the source closes it once the backup ends, failed or not. */
  close(): Promise<void>;
}

/** A regular file or a block device opened read-only. */
export class FileVolumeSource implements VolumeSource {
  private constructor(
    private readonly handle: FileHandle,
    readonly size: number,
    /** The file or device read, named in the errors a read raises. */
    readonly path: string,
  ) {}

  /**
   * Opens `path` and reads its size once (a block device's from sysfs). Throws `InvalidVolumeError`
   * for a path that is missing, empty, or neither a regular file nor a block device.
   */
  static async open(path: string): Promise<FileVolumeSource> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      throw new InvalidVolumeError(`cannot open volume ${path}: ${(err as Error).message}`, { cause: err });
    }
    try {
      const st = await handle.stat();
      let size: number;
      if (st.isFile()) size = st.size;
      else if (st.isBlockDevice()) size = await blockDeviceSize(st.rdev, path);
      else throw new InvalidVolumeError(`volume ${path} is neither a regular file nor a block device`);
      if (size <= 0) throw new InvalidVolumeError(`volume ${path} is empty: nothing to back up`);
      return new FileVolumeSource(handle, size, path);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async readAt(offset: number, length: number, into: Uint8Array): Promise<void> {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(into, done, length - done, offset + done);
      if (bytesRead === 0) {
        throw new InvalidVolumeError(
          `volume ${this.path} ended at ${offset + done} bytes, before its size of ${this.size}: did it shrink during the backup?`,
        );
      }
      done += bytesRead;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** An in-memory volume: for tests and for hosts that already hold the bytes. */
export class BufferVolumeSource implements VolumeSource {
  constructor(private readonly data: Uint8Array) {}

  get size(): number {
    return this.data.length;
  }

  async readAt(offset: number, length: number, into: Uint8Array): Promise<void> {
    if (offset + length > this.data.length) throw new InvalidVolumeError('read past the end of the volume');
    into.set(this.data.subarray(offset, offset + length), 0);
  }

  async close(): Promise<void> {}
}
