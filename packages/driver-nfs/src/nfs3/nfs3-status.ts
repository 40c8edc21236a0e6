/** nfsstat3 (RFC 1813 §2.6): its name, the errno a caller sees, and what it means. */
const STATUS: Record<number, readonly [name: string, errno: string, meaning: string]> = {
  1: ['NFS3ERR_PERM', 'EPERM', 'operation not permitted'],
  2: ['NFS3ERR_NOENT', 'ENOENT', 'no such file or directory'],
  5: ['NFS3ERR_IO', 'EIO', 'I/O error'],
  6: ['NFS3ERR_NXIO', 'ENXIO', 'no such device or address'],
  13: ['NFS3ERR_ACCES', 'EACCES', 'permission denied'],
  17: ['NFS3ERR_EXIST', 'EEXIST', 'file exists'],
  18: ['NFS3ERR_XDEV', 'EXDEV', 'cross-device link'],
  19: ['NFS3ERR_NODEV', 'ENODEV', 'no such device'],
  20: ['NFS3ERR_NOTDIR', 'ENOTDIR', 'not a directory'],
  21: ['NFS3ERR_ISDIR', 'EISDIR', 'is a directory'],
  22: ['NFS3ERR_INVAL', 'EINVAL', 'invalid argument'],
  27: ['NFS3ERR_FBIG', 'EFBIG', 'file too large'],
  28: ['NFS3ERR_NOSPC', 'ENOSPC', 'no space left on device'],
  30: ['NFS3ERR_ROFS', 'EROFS', 'read-only file system'],
  31: ['NFS3ERR_MLINK', 'EMLINK', 'too many links'],
  63: ['NFS3ERR_NAMETOOLONG', 'ENAMETOOLONG', 'file name too long'],
  66: ['NFS3ERR_NOTEMPTY', 'ENOTEMPTY', 'directory not empty'],
  69: ['NFS3ERR_DQUOT', 'EDQUOT', 'disk quota exceeded'],
  // The handle no longer names anything (the file was removed, the export changed): look the path up again.
  70: ['NFS3ERR_STALE', 'ESTALE', 'stale file handle'],
  71: ['NFS3ERR_REMOTE', 'EREMOTE', 'too many levels of remote in path'],
  10001: ['NFS3ERR_BADHANDLE', 'ESTALE', 'illegal file handle'],
  10002: ['NFS3ERR_NOT_SYNC', 'EIO', 'update synchronization mismatch'],
  10003: ['NFS3ERR_BAD_COOKIE', 'EIO', 'READDIR cookie is stale'],
  10004: ['NFS3ERR_NOTSUPP', 'ENOTSUP', 'operation not supported'],
  10005: ['NFS3ERR_TOOSMALL', 'EIO', 'buffer or request is too small'],
  10006: ['NFS3ERR_SERVERFAULT', 'EIO', 'server fault'],
  10007: ['NFS3ERR_BADTYPE', 'EINVAL', 'type not supported by the server'],
  // The server is busy (a file on tape, a grace period): a retry may succeed.
  10008: ['NFS3ERR_JUKEBOX', 'EAGAIN', 'server busy, try again later'],
};

/**
 * An NFSv3 procedure that returned a status other than NFS3_OK. `code` is the errno the same
 * failure has on a local filesystem (NFS3ERR_NOENT is ENOENT, NFS3ERR_DQUOT EDQUOT, …), so
 * core classifies it as it does posix errors; `status` keeps the protocol's own name.
 */
export class Nfs3Error extends Error {
  /** The class name, as stack traces and logs print it (`Error` otherwise). */
  override readonly name = 'Nfs3Error';
  /** The errno core reads (`ENOENT` for NFS3ERR_NOENT, …), so file-tree code handles NFS like a local disk. */
  readonly code: string;
  /** The status's RFC 1813 name (`NFS3ERR_NOENT`), for messages. */
  readonly status: string;
  constructor(
    /** The server's numeric nfsstat3. */
    readonly nfsstat: number,
    what: string,
  ) {
    const [status, errno, meaning] = STATUS[nfsstat] ?? [`NFS3ERR_${nfsstat}`, 'EIO', 'unknown NFS status'];
    super(`${what}: ${meaning} (${status})`);
    this.status = status;
    this.code = errno;
  }
}
