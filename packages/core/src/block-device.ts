import { readFile, type FileHandle } from 'node:fs/promises';
import { InvalidVolumeError } from './errors.js';

/** How much of each end of a device {@link deviceHoldsData} reads. */
const END_BYTES = 1024 * 1024;

/** Linux reports a block device's size in 512-byte sectors under /sys; fstat says 0. */
export async function blockDeviceSize(rdev: number, path: string): Promise<number> {
  const major = Math.floor(rdev / 256) & 0xfff;
  const minor = (rdev & 0xff) | ((Math.floor(rdev / 1048576) & 0xfff) << 8);
  try {
    const sectors = Number((await readFile(`/sys/dev/block/${major}:${minor}/size`, 'utf8')).trim());
    return sectors * 512;
  } catch (err) {
    throw new InvalidVolumeError(`cannot read the size of block device ${path}`, { cause: err });
  }
}

/**
 * True when a device of `size` bytes has a byte other than 0 in its first or last MiB. What
 * puts data on a disk marks those ends: partition tables (MBR and GPT at the start, GPT's copy at
 * the end), filesystems' superblocks, LVM and LUKS headers, md's superblock; a new or zeroed
 * device reads 0 there. Two MiB are read whatever the size: a whole-device scan would take as
 * long as the restore. A device whose data leaves both ends zero is not seen (docs/cli.md says so).
 */
export async function deviceHoldsData(handle: FileHandle, size: number): Promise<boolean> {
  const length = Math.min(END_BYTES, size);
  const buf = Buffer.alloc(length);
  for (const offset of new Set([0, size - length])) {
    const { bytesRead } = await handle.read(buf, 0, length, offset);
    if (buf.subarray(0, bytesRead).some((b) => b !== 0)) return true;
  }
  return false;
}
