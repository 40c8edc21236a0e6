import { XdrError, type XdrReader } from '../rpc/xdr-reader.js';
import type { XdrWriter } from '../rpc/xdr-writer.js';

/** NFS3_FHSIZE: a file handle's largest size. */
export const FHSIZE3 = 64;
/** Bytes of a write or cookie verifier. */
export const VERIFIER_SIZE = 8;

/** ftype3. */
export const FileType = { REG: 1, DIR: 2, BLK: 3, CHR: 4, LNK: 5, SOCK: 6, FIFO: 7 } as const;

/** The attributes the driver uses, of fattr3 (RFC 1813 §2.6). */
export interface Fattr3 {
  /** ftype3: a regular file, a directory, … (see FileType). */
  readonly type: number;
  /** Permission bits (the low 12 bits of the mode). */
  readonly mode: number;
  /** Owner's user id. */
  readonly uid: number;
  /** Owner's group id. */
  readonly gid: number;
  /** Length in bytes. */
  readonly size: number;
  /** The file's number within its file system (like an inode number). */
  readonly fileid: bigint;
  /** Milliseconds since the epoch. */
  readonly mtimeMs: number;
}

export function readFileHandle(reply: XdrReader): Uint8Array {
  const handle = reply.opaque(FHSIZE3);
  if (handle.length === 0) throw new XdrError('the server returned an empty file handle');
  // Copied out of the reply: handles are kept in a cache, the reply's buffer is not.
  return new Uint8Array(handle);
}

export function writeFileHandle(out: XdrWriter, handle: Uint8Array): XdrWriter {
  return out.opaque(handle, FHSIZE3);
}

function readTimeMs(reply: XdrReader): number {
  const seconds = reply.u32();
  const nanos = reply.u32();
  return seconds * 1000 + Math.floor(nanos / 1e6);
}

export function readFattr3(reply: XdrReader): Fattr3 {
  const type = reply.u32();
  const mode = reply.u32();
  reply.u32(); // nlink
  const uid = reply.u32();
  const gid = reply.u32();
  const size = reply.u64();
  reply.u64(); // used
  reply.u32(); // rdev major
  reply.u32(); // rdev minor
  reply.u64Big(); // fsid
  const fileid = reply.u64Big();
  readTimeMs(reply); // atime
  const mtimeMs = readTimeMs(reply);
  readTimeMs(reply); // ctime
  return { type, mode, uid, gid, size, fileid, mtimeMs };
}

/** post_op_attr: attributes the server may leave out. */
export function readPostOpAttr(reply: XdrReader): Fattr3 | undefined {
  return reply.bool() ? readFattr3(reply) : undefined;
}

/** post_op_fh3: a handle the server may leave out. */
export function readPostOpHandle(reply: XdrReader): Uint8Array | undefined {
  return reply.bool() ? readFileHandle(reply) : undefined;
}

/** wcc_data: a directory's attributes before and after; the driver has no use for them. */
export function skipWccData(reply: XdrReader): void {
  if (reply.bool()) {
    reply.u64(); // size
    reply.u32(); // mtime
    reply.u32();
    reply.u32(); // ctime
    reply.u32();
  }
  readPostOpAttr(reply);
}

/** sattr3 setting the mode alone (or nothing); owner, size and times are left to the server. */
export function writeSattr3(out: XdrWriter, { mode }: { mode?: number }): void {
  if (mode === undefined) out.bool(false);
  else out.bool(true).u32(mode);
  out.bool(false); // uid
  out.bool(false); // gid
  out.bool(false); // size
  out.u32(0); // atime: DONT_CHANGE
  out.u32(0); // mtime: DONT_CHANGE
}

/** diropargs3: a name in a directory. */
export function writeDirOpArgs(out: XdrWriter, dir: Uint8Array, name: string): void {
  writeFileHandle(out, dir);
  out.string(name);
}
