import { posix } from 'node:path';
import type { FileTreeEntry, FileTreeKind, FileTreeTransport } from '@volback/core/driver';
import { readInto, type TransferShape, writeDurably, writeUnstable } from './nfs3/file-io.js';
import { Access } from './nfs3/nfs3-client.js';
import { Nfs3Error } from './nfs3/nfs3-status.js';
import { FileType, VERIFIER_SIZE } from './nfs3/nfs3-types.js';
import type { Mounted, NfsSession } from './nfs-session.js';

/** How the transport moves data. */
export interface NfsTransportOptions {
  /** Largest READ/WRITE asked for (bytes); the server's rtmax/wtmax lower it. */
  readonly ioSize: number;
  /** READs or WRITEs of one file in flight at once. */
  readonly requestsInFlight: number;
  /**
   * Whether unflushed writes will be synced later (the store's `fsync`): their write verifiers
   * are then kept until `syncFile` checks them.
   */
  readonly tracksUnstableWrites: boolean;
}

/** Mode of a parent directory mkdirp creates; core sets the leaf's own. */
const PARENT_DIRECTORY_MODE = 0o755;
/** Bytes of names and cookies per READDIRPLUS reply, and of the whole reply. */
const READDIR_DIR_BYTES = 64 * 1024;
const READDIR_MAX_BYTES = 1024 * 1024;
/** Listings started again when the directory changed under a READDIRPLUS (NFS3ERR_BAD_COOKIE). */
const MAX_LISTING_RESTARTS = 3;
/** What checkWritable needs in a directory: look up, create, change and remove entries. */
const WRITABLE = Access.LOOKUP | Access.MODIFY | Access.EXTEND | Access.DELETE;

function errnoError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function kindOf(type: number | undefined): FileTreeKind {
  return type === FileType.REG ? 'file' : type === FileType.DIR ? 'directory' : 'other';
}

/** Errnos of a connection that broke or never came: the server may be restarting. */
const CONNECTION_ERRNOS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);
/** Waits between COMMITs sent again across a broken connection: about 6 s in all, a server restart's time. */
const RECOMMIT_DELAYS_MS = [250, 500, 1000, 2000, 2500];

async function commitAcrossReconnects(commit: () => Promise<bigint>): Promise<bigint> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await commit();
    } catch (err) {
      const delay = RECOMMIT_DELAYS_MS[attempt];
      if (delay === undefined || !CONNECTION_ERRNOS.has((err as { code?: string }).code ?? '')) throw err;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

function hex(handle: Uint8Array): string {
  return Buffer.from(handle).toString('hex');
}

/**
 * A {@link FileTreeTransport} on an NFSv3 export: each method is a few RPCs on the session's
 * connection; data moves in pipelined READs and UNSTABLE WRITEs, made durable by COMMIT with the
 * write verifier checked. Symlinks are never followed (a listing and `stat` say `other`).
 */
export class NfsTransport implements FileTreeTransport {
  /** Write verifiers of files written unstable and not synced yet, by handle: `syncFile` compares COMMIT's with them. */
  private readonly unsynced = new Map<string, bigint>();

  constructor(
    private readonly session: NfsSession,
    private readonly options: NfsTransportOptions,
  ) {}

  mkdirp(path: string): Promise<boolean> {
    return this.session.run([path], async (m) => {
      const at = this.session.inMount(m, path);
      const segments = at.split('/').filter(Boolean);
      let created = false;
      for (let depth = 1; depth <= segments.length; depth++) {
        const dir = `/${segments.slice(0, depth).join('/')}`;
        created = await this.ensureDirectory(m, dir, depth === segments.length);
      }
      return created;
    });
  }

  chmod(path: string, mode: number): Promise<void> {
    return this.session.run([path], async (m) => {
      const at = this.session.inMount(m, path);
      const { handle } = await this.session.lookup(m, at);
      await m.nfs.setMode(handle, mode, this.session.describe(m, at));
    });
  }

  writeNew(path: string, data: Uint8Array, { mode, sync }: { readonly mode: number; readonly sync: boolean }): Promise<void> {
    return this.session.run([path], async (m) => {
      const at = this.session.inMount(m, path);
      const what = this.session.describe(m, at);
      const dir = await this.session.directory(m, posix.dirname(at));
      const created = await m.nfs.create(dir, posix.basename(at), mode, what);
      // CREATE's mode may have been reduced (a server umask): the file must be exactly `mode`.
      if (!created.attributes || (created.attributes.mode & 0o7777) !== mode) await m.nfs.setMode(created.handle, mode, what);
      const shape = this.shape(m);
      if (sync) {
        await writeDurably(m.nfs, created.handle, data, shape, what);
        return;
      }
      const verifier = await writeUnstable(m.nfs, created.handle, data, shape, what);
      if (this.options.tracksUnstableWrites && verifier !== undefined) this.unsynced.set(hex(created.handle), verifier);
    });
  }

  rename(from: string, to: string): Promise<void> {
    return this.session.run([from, to], async (m) => {
      const src = this.session.inMount(m, from);
      const dst = this.session.inMount(m, to);
      const fromDir = await this.session.directory(m, posix.dirname(src));
      const toDir = await this.session.directory(m, posix.dirname(dst));
      await m.nfs.rename(fromDir, posix.basename(src), toDir, posix.basename(dst), `${this.session.describe(m, src)} to ${dst}`);
      this.session.forget(src);
      this.session.forget(dst);
    });
  }

  read(path: string, allocate: (size: number) => Uint8Array): Promise<Uint8Array> {
    return this.session.run([path], async (m) => {
      const at = this.session.inMount(m, path);
      const what = this.session.describe(m, at);
      const { handle, attributes } = await this.session.lookup(m, at);
      if (attributes.type !== FileType.REG) throw errnoError('EISDIR', `${what} is not a regular file`);
      return readInto(m.nfs, handle, allocate(attributes.size), this.shape(m), what);
    });
  }

  unlink(path: string): Promise<void> {
    return this.session.run([path], async (m) => {
      const at = this.session.inMount(m, path);
      const what = this.session.describe(m, at);
      const dir = await this.session.directory(m, posix.dirname(at));
      const { handle, attributes } = await m.nfs.lookup(dir, posix.basename(at), what);
      // REMOVE of a directory is refused by most servers, but not by all: never try it.
      const type = (attributes ?? (await m.nfs.getattr(handle, what))).type;
      if (type === FileType.DIR) throw errnoError('EISDIR', `${what} is a directory`);
      await m.nfs.remove(dir, posix.basename(at), what);
      this.unsynced.delete(hex(handle));
    });
  }

  readdir(path: string): Promise<FileTreeEntry[]> {
    return this.session.run([path], async (m) => {
      const at = this.session.inMount(m, path);
      const what = this.session.describe(m, at);
      const dir = await this.session.directory(m, at);
      for (let restart = 0; ; restart++) {
        try {
          return await this.listOnce(m, at, dir, what);
        } catch (err) {
          // The directory changed between pages: list it again from the start.
          if (!(err instanceof Nfs3Error && err.status === 'NFS3ERR_BAD_COOKIE') || restart >= MAX_LISTING_RESTARTS) throw err;
        }
      }
    });
  }

  stat(path: string): Promise<{
    /** What is at the path. */
    kind: FileTreeKind;
    /** Its last modification, in milliseconds since the epoch. */
    mtimeMs: number;
  }> {
    return this.session.run([path], async (m) => {
      const at = this.session.inMount(m, path);
      const { attributes } = await this.session.lookup(m, at);
      return { kind: kindOf(attributes.type), mtimeMs: attributes.mtimeMs };
    });
  }

  checkWritable(path: string): Promise<void> {
    return this.session.run([path], async (m) => {
      const at = this.session.inMount(m, path);
      const what = this.session.describe(m, at);
      const dir = await this.session.directory(m, at);
      const granted = await m.nfs.access(dir, WRITABLE, what);
      if ((granted & WRITABLE) !== WRITABLE)
        throw errnoError('EACCES', `${what}: this client may not create and remove entries there (ACCESS)`);
    });
  }

  /**
   * COMMIT of the whole file. A verifier other than its WRITEs had means the server restarted
   * before the data was durable: it may be lost, and this transport no longer has it, so the
   * sync fails (the backup that wrote it fails rather than refer to it). A connection that broke
   * meanwhile says neither: the COMMIT is sent again (it is idempotent) once connected again, as
   * nothing else would retry a background sync.
   */
  syncFile(path: string): Promise<void> {
    return this.session.run([path], async (m) => {
      const at = this.session.inMount(m, path);
      const what = this.session.describe(m, at);
      const { handle } = await this.session.lookup(m, at);
      const committed = await commitAcrossReconnects(() => m.nfs.commit(handle, what));
      const key = hex(handle);
      const written = this.unsynced.get(key);
      this.unsynced.delete(key);
      if (written !== undefined && written !== committed) {
        throw errnoError('EIO', `${what}: the server restarted before the data was committed (write verifier changed); write it again`);
      }
    });
  }

  /** NFSv3 servers make directory changes durable before they reply (RFC 1813 §3.3): nothing to do. */
  async syncDirectory(): Promise<void> {}

  close(): Promise<void> {
    return this.session.close();
  }

  private shape(m: Mounted): TransferShape {
    const io = Math.min(this.options.ioSize, m.fsinfo.rtmax || this.options.ioSize, m.fsinfo.wtmax || this.options.ioSize);
    return { ioSize: Math.max(4096, io), inFlight: this.options.requestsInFlight };
  }

  /** Makes directory `dir` exist; true when this call created it. */
  private async ensureDirectory(m: Mounted, dir: string, leaf: boolean): Promise<boolean> {
    const what = this.session.describe(m, dir);
    const parent = await this.session.directory(m, posix.dirname(dir));
    const name = posix.basename(dir);
    try {
      const made = await m.nfs.mkdir(parent, name, PARENT_DIRECTORY_MODE, what);
      this.session.rememberDirectory(dir, made.handle);
      return true;
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
    }
    // Something has the name: a directory (made by us earlier, or by another client just now) or a file in the way.
    const found = await m.nfs.lookup(parent, name, what);
    const type = (found.attributes ?? (await m.nfs.getattr(found.handle, what))).type;
    if (type !== FileType.DIR) throw errnoError(leaf ? 'EEXIST' : 'ENOTDIR', `${what} exists and is not a directory`);
    this.session.rememberDirectory(dir, found.handle);
    return false;
  }

  private async listOnce(m: Mounted, path: string, dir: Uint8Array, what: string): Promise<FileTreeEntry[]> {
    const entries = new Map<string, FileTreeEntry>();
    const maxBytes = Math.min(READDIR_MAX_BYTES, m.fsinfo.rtmax || READDIR_MAX_BYTES);
    let cookie = 0n;
    let verifier: Uint8Array = new Uint8Array(VERIFIER_SIZE);
    // Each entry's cookie is its own place in the directory: one seen again means a server that
    // goes round in circles, which would otherwise be listed forever.
    const cookies = new Set<bigint>();
    for (;;) {
      const page = await m.nfs.readdirplus(dir, cookie, verifier, { dirBytes: READDIR_DIR_BYTES, maxBytes }, what);
      for (const e of page.entries) {
        if (cookies.has(e.cookie))
          throw errnoError('EIO', `READDIRPLUS ${what}: the server returned cookie ${e.cookie} twice (a listing that repeats)`);
        cookies.add(e.cookie);
        cookie = e.cookie;
        if (e.name === '.' || e.name === '..') continue;
        let type = e.attributes?.type;
        if (type === undefined) {
          const childWhat = this.session.describe(m, posix.join(path, e.name));
          const found = await m.nfs.lookup(dir, e.name, childWhat);
          type = (found.attributes ?? (await m.nfs.getattr(found.handle, childWhat))).type;
        }
        if (type === FileType.DIR && e.handle) this.session.rememberDirectory(posix.join(path, e.name), e.handle);
        entries.set(e.name, { name: e.name, kind: kindOf(type) });
      }
      verifier = page.cookieVerifier;
      if (page.eof) return [...entries.values()];
      if (page.entries.length === 0) throw errnoError('EIO', `READDIRPLUS ${what}: the server returned an empty page before the end`);
    }
  }
}
