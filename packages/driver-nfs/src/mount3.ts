import type { RpcClient } from './rpc/rpc-client.js';

/** MOUNT version 3 (RFC 1813 appendix I). */
export const MOUNT3 = { program: 100_005, version: 3 } as const;
const MOUNTPROC3_NULL = 0;
const MOUNTPROC3_MNT = 1;
const MOUNTPROC3_UMNT = 3;
const MNTPATHLEN = 1024;
const FHSIZE3 = 64;

/** mountstat3 values and the errno each means to a caller. */
const MOUNT_STATUS: Record<number, [string, string]> = {
  1: ['MNT3ERR_PERM', 'EPERM'],
  2: ['MNT3ERR_NOENT', 'ENOENT'],
  5: ['MNT3ERR_IO', 'EIO'],
  13: ['MNT3ERR_ACCES', 'EACCES'],
  20: ['MNT3ERR_NOTDIR', 'ENOTDIR'],
  22: ['MNT3ERR_INVAL', 'EINVAL'],
  63: ['MNT3ERR_NAMETOOLONG', 'ENAMETOOLONG'],
  10004: ['MNT3ERR_NOTSUPP', 'ENOTSUP'],
  10006: ['MNT3ERR_SERVERFAULT', 'EIO'],
};

/** The server refused to mount a path: `status` is the mountstat3 name, `code` its errno. */
export class MountError extends Error {
  /** The class name, as stack traces and logs print it (`Error` otherwise). */
  override readonly name = 'MountError';
  /** The errno core reads (`EACCES`, `ENOENT`, …), so the refusal is typed like any file error. */
  readonly code: string;
  constructor(
    /** The server's MOUNT3 status (`MNT3ERR_ACCES`, …), for the message. */
    readonly status: string,
    code: string,
    /** The export path the server refused. */
    readonly path: string,
  ) {
    super(`the server refused to mount ${path} (${status})`);
    this.code = code;
  }
}

/** What MNT gives: the root file handle of the path, and the auth flavours the export takes. */
export interface MountResult {
  /** The file handle of the mounted directory. */
  readonly handle: Uint8Array;
  /** The auth flavours the export accepts (1: AUTH_SYS), in the server's order of preference. */
  readonly authFlavors: number[];
}

/** MOUNTPROC3_NULL: does the mount daemon answer at all. */
export function mountNull(client: RpcClient): Promise<void> {
  return client.call(
    { ...MOUNT3, procedure: MOUNTPROC3_NULL },
    () => undefined,
    () => undefined,
  );
}

/** MOUNTPROC3_MNT of `path` (an export, or a directory below one where the server allows it). */
export function mount(client: RpcClient, path: string): Promise<MountResult> {
  return client.call(
    { ...MOUNT3, procedure: MOUNTPROC3_MNT },
    (out) => out.string(path, MNTPATHLEN),
    (reply) => {
      const status = reply.u32();
      if (status !== 0) {
        const [name, code] = MOUNT_STATUS[status] ?? [`MNT3ERR_${status}`, 'EIO'];
        throw new MountError(name, code, path);
      }
      const handle = new Uint8Array(reply.opaque(FHSIZE3));
      const count = reply.u32();
      if (count > 64) throw new MountError('MNT3ERR_SERVERFAULT', 'EIO', path);
      const authFlavors: number[] = [];
      for (let i = 0; i < count; i++) authFlavors.push(reply.u32());
      reply.end();
      return { handle, authFlavors };
    },
  );
}

/** MOUNTPROC3_UMNT: tells the server this client no longer uses `path` (advisory: servers keep no lock). */
export function unmount(client: RpcClient, path: string): Promise<void> {
  return client.call(
    { ...MOUNT3, procedure: MOUNTPROC3_UMNT },
    (out) => out.string(path, MNTPATHLEN),
    () => undefined,
  );
}
