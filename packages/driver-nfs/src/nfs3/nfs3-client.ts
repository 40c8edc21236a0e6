import type { CallOptions, RpcClient } from '../rpc/rpc-client.js';
import type { XdrReader } from '../rpc/xdr-reader.js';
import type { XdrWriter } from '../rpc/xdr-writer.js';
import { Nfs3Error } from './nfs3-status.js';
import {
  type Fattr3,
  readFattr3,
  readFileHandle,
  readPostOpAttr,
  readPostOpHandle,
  skipWccData,
  VERIFIER_SIZE,
  writeDirOpArgs,
  writeFileHandle,
  writeSattr3,
} from './nfs3-types.js';

/** NFS version 3 (RFC 1813). */
export const NFS3 = { program: 100_003, version: 3 } as const;

const PROC = {
  NULL: 0,
  GETATTR: 1,
  SETATTR: 2,
  LOOKUP: 3,
  ACCESS: 4,
  READ: 6,
  WRITE: 7,
  CREATE: 8,
  MKDIR: 9,
  REMOVE: 12,
  RMDIR: 13,
  RENAME: 14,
  READDIRPLUS: 17,
  FSINFO: 19,
  COMMIT: 21,
} as const;

/** ACCESS3 bits. */
export const Access = { READ: 0x01, LOOKUP: 0x02, MODIFY: 0x04, EXTEND: 0x08, DELETE: 0x10, EXECUTE: 0x20 } as const;

/** stable_how: UNSTABLE leaves the data in the server's cache until COMMIT. */
export const Stable = { UNSTABLE: 0, DATA_SYNC: 1, FILE_SYNC: 2 } as const;

const CREATE_GUARDED = 1;

/** What FSINFO tells of the server's transfer sizes. */
export interface FsInfo {
  /** The largest READ the server serves, in bytes: `ioSize` is cut to it. */
  readonly rtmax: number;
  /** The READ size the server prefers. */
  readonly rtpref: number;
  /** The largest WRITE the server takes, in bytes: `ioSize` is cut to it. */
  readonly wtmax: number;
  /** The WRITE size the server prefers. */
  readonly wtpref: number;
  /** The READDIRPLUS reply size the server prefers. */
  readonly dtpref: number;
}

/** A name LOOKUP found. */
export interface LookupResult {
  /** The file handle of the name found. */
  readonly handle: Uint8Array;
  /** Its attributes, when the server sent them with the answer. */
  readonly attributes: Fattr3 | undefined;
}

/** What a WRITE did. */
export interface WriteResult {
  /** How many bytes the server accepted (fewer than sent: the rest must be sent again). */
  readonly count: number;
  /** How stable the server made them (stable_how: 0 UNSTABLE, 1 DATA_SYNC, 2 FILE_SYNC). */
  readonly committed: number;
  /** Changes when the server restarts: uncommitted data written under the old one may be lost. */
  readonly verifier: bigint;
}

/** One READDIRPLUS entry. */
export interface DirectoryEntry {
  /** The entry's name in the directory. */
  readonly name: string;
  /** Where the next page starts when this entry is the last one read. */
  readonly cookie: bigint;
  /** Its attributes, when the server sent them. */
  readonly attributes: Fattr3 | undefined;
  /** Its file handle, when the server sent it (servers may leave it out). */
  readonly handle: Uint8Array | undefined;
}

/** One page of READDIRPLUS. */
export interface DirectoryPage {
  /** The entries of this page, in the server's order. */
  readonly entries: DirectoryEntry[];
  /** Sent back with the next page's request, so the server can tell its cookies are still valid. */
  readonly cookieVerifier: Uint8Array;
  /** True when this page ends the directory. */
  readonly eof: boolean;
}

/** The NFSv3 procedures the driver uses, each one RPC: arguments encoded, results decoded, a failed status thrown as {@link Nfs3Error}. */
export class Nfs3Client {
  constructor(private readonly rpc: RpcClient) {}

  /** Sends one procedure; `what` names it and its target in an error. */
  private call<T>(
    procedure: number,
    what: string,
    args: (out: XdrWriter) => void,
    results: (reply: XdrReader) => T,
    options?: CallOptions,
  ): Promise<T> {
    return this.rpc.call(
      { ...NFS3, procedure },
      args,
      (reply) => {
        const status = reply.u32();
        if (status !== 0) throw new Nfs3Error(status, what);
        return results(reply);
      },
      options,
    );
  }

  /** NULL: a call that does nothing, to see the server answers at all. */
  null(): Promise<void> {
    return this.rpc.call(
      { ...NFS3, procedure: PROC.NULL },
      () => undefined,
      () => undefined,
    );
  }

  /** GETATTR: the attributes of `handle`; `what` names it in errors, as do the other calls'. */
  getattr(handle: Uint8Array, what: string): Promise<Fattr3> {
    return this.call(PROC.GETATTR, `GETATTR ${what}`, (out) => writeFileHandle(out, handle), readFattr3);
  }

  /** SETATTR of the mode alone, unguarded. */
  setMode(handle: Uint8Array, mode: number, what: string): Promise<void> {
    return this.call(
      PROC.SETATTR,
      `SETATTR ${what}`,
      (out) => {
        writeFileHandle(out, handle);
        writeSattr3(out, { mode });
        out.bool(false); // no ctime guard
      },
      skipWccData,
    );
  }

  /** LOOKUP of `name` in `dir`: its handle, and its attributes when the server sends them. */
  lookup(dir: Uint8Array, name: string, what: string): Promise<LookupResult> {
    return this.call(
      PROC.LOOKUP,
      `LOOKUP ${what}`,
      (out) => writeDirOpArgs(out, dir, name),
      (reply) => {
        const handle = readFileHandle(reply);
        const attributes = readPostOpAttr(reply);
        readPostOpAttr(reply); // the directory's
        return { handle, attributes };
      },
    );
  }

  /** The ACCESS3 bits of `wanted` the server grants this credential. */
  access(handle: Uint8Array, wanted: number, what: string): Promise<number> {
    return this.call(
      PROC.ACCESS,
      `ACCESS ${what}`,
      (out) => writeFileHandle(out, handle).u32(wanted),
      (reply) => {
        readPostOpAttr(reply);
        return reply.u32();
      },
    );
  }

  /**
   * READ of `count` bytes at `offset`, copied into `into` at `intoOffset` (at most `count`
   * bytes). Resolves to the bytes read and whether the file ends there.
   */
  read(
    handle: Uint8Array,
    offset: number,
    count: number,
    into: Uint8Array,
    intoOffset: number,
    what: string,
  ): Promise<{
    /** Bytes the server sent, fewer than asked near the end of the file. */
    count: number;
    /** True when the file ends with these bytes. */
    eof: boolean;
  }> {
    return this.call(
      PROC.READ,
      `READ ${what}`,
      (out) => writeFileHandle(out, handle).u64(offset).u32(count),
      (reply) => {
        readPostOpAttr(reply);
        const read = reply.u32();
        const eof = reply.bool();
        const data = reply.opaque(count);
        if (data.length !== read) throw new Nfs3Error(10006, `READ ${what}: count ${read} but ${data.length} bytes of data`);
        into.set(data, intoOffset);
        return { count: read, eof };
      },
    );
  }

  /** WRITE of `data` at `offset`, as durable as `stable` asks (`Stable`); the server may take fewer bytes. */
  write(handle: Uint8Array, offset: number, data: Uint8Array, stable: number, what: string): Promise<WriteResult> {
    return this.call(
      PROC.WRITE,
      `WRITE ${what}`,
      (out) => writeFileHandle(out, handle).u64(offset).u32(data.length).u32(stable).opaque(data),
      (reply) => {
        skipWccData(reply);
        const count = reply.u32();
        const committed = reply.u32();
        const verifier = reply.u64Big();
        return { count, committed, verifier };
      },
    );
  }

  /** COMMIT of the whole file (offset 0, count 0): resolves to the write verifier it committed under. */
  commit(handle: Uint8Array, what: string): Promise<bigint> {
    return this.call(
      PROC.COMMIT,
      `COMMIT ${what}`,
      (out) => writeFileHandle(out, handle).u64(0).u32(0),
      (reply) => {
        skipWccData(reply);
        return reply.u64Big();
      },
    );
  }

  /** CREATE GUARDED: fails with EEXIST when anything has the name. The mode is as the server applied it: check the attributes. */
  create(dir: Uint8Array, name: string, mode: number, what: string): Promise<LookupResult> {
    return this.makeEntry(PROC.CREATE, `CREATE ${what}`, dir, name, (out) => writeSattr3(out.u32(CREATE_GUARDED), { mode }));
  }

  /** MKDIR of `name` in `dir` with `mode`; fails with EEXIST when anything has the name. */
  mkdir(dir: Uint8Array, name: string, mode: number, what: string): Promise<LookupResult> {
    return this.makeEntry(PROC.MKDIR, `MKDIR ${what}`, dir, name, (out) => writeSattr3(out, { mode }));
  }

  /** CREATE or MKDIR of `name` in `dir`; a handle the server leaves out of the reply is looked up. */
  private async makeEntry(
    procedure: number,
    what: string,
    dir: Uint8Array,
    name: string,
    how: (out: XdrWriter) => void,
  ): Promise<LookupResult> {
    const created = await this.call(
      procedure,
      what,
      (out) => {
        writeDirOpArgs(out, dir, name);
        how(out);
      },
      readCreated,
    );
    return created.handle ? (created as LookupResult) : this.lookup(dir, name, what);
  }

  /** REMOVE of the file `name` in `dir`. */
  remove(dir: Uint8Array, name: string, what: string): Promise<void> {
    return this.call(PROC.REMOVE, `REMOVE ${what}`, (out) => writeDirOpArgs(out, dir, name), skipWccData);
  }

  /** RMDIR of the empty directory `name` in `dir`. */
  rmdir(dir: Uint8Array, name: string, what: string): Promise<void> {
    return this.call(PROC.RMDIR, `RMDIR ${what}`, (out) => writeDirOpArgs(out, dir, name), skipWccData);
  }

  /** RENAME, replacing what has the new name: how a finished temporary file takes its place. */
  rename(fromDir: Uint8Array, fromName: string, toDir: Uint8Array, toName: string, what: string): Promise<void> {
    return this.call(
      PROC.RENAME,
      `RENAME ${what}`,
      (out) => {
        writeDirOpArgs(out, fromDir, fromName);
        writeDirOpArgs(out, toDir, toName);
      },
      (reply) => {
        skipWccData(reply);
        skipWccData(reply);
      },
    );
  }

  /** One page of READDIRPLUS from `cookie` (0 and a zero verifier for the first). */
  readdirplus(
    dir: Uint8Array,
    cookie: bigint,
    cookieVerifier: Uint8Array,
    sizes: { readonly dirBytes: number; readonly maxBytes: number },
    what: string,
  ): Promise<DirectoryPage> {
    return this.call(
      PROC.READDIRPLUS,
      `READDIRPLUS ${what}`,
      (out) => writeFileHandle(out, dir).u64(cookie).fixedOpaque(cookieVerifier).u32(sizes.dirBytes).u32(sizes.maxBytes),
      (reply) => {
        readPostOpAttr(reply);
        const verifier = new Uint8Array(reply.fixedOpaque(VERIFIER_SIZE));
        const entries: DirectoryEntry[] = [];
        while (reply.bool()) {
          reply.u64Big(); // fileid
          const name = reply.string();
          const entryCookie = reply.u64Big();
          const attributes = readPostOpAttr(reply);
          const handle = readPostOpHandle(reply);
          entries.push({ name, cookie: entryCookie, attributes, handle });
        }
        const eof = reply.bool();
        return { entries, cookieVerifier: verifier, eof };
      },
    );
  }

  /** FSINFO of the export whose root is `root`: the transfer sizes the server allows. */
  fsinfo(root: Uint8Array): Promise<FsInfo> {
    return this.call(
      PROC.FSINFO,
      'FSINFO of the export',
      (out) => writeFileHandle(out, root),
      (reply) => {
        readPostOpAttr(reply);
        const rtmax = reply.u32();
        const rtpref = reply.u32();
        reply.u32(); // rtmult
        const wtmax = reply.u32();
        const wtpref = reply.u32();
        reply.u32(); // wtmult
        const dtpref = reply.u32();
        return { rtmax, rtpref, wtmax, wtpref, dtpref };
      },
    );
  }
}

/** CREATE and MKDIR results: a handle the server may leave out (then looked up). */
function readCreated(reply: XdrReader): { handle: Uint8Array | undefined; attributes: Fattr3 | undefined } {
  const handle = readPostOpHandle(reply);
  const attributes = readPostOpAttr(reply);
  skipWccData(reply);
  return { handle, attributes };
}
