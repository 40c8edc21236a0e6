import { posix } from 'node:path';
import type { StoreErrors } from '@volback/core/driver';
import { MOUNT3, MountError, mount, unmount } from './mount3.js';
import { Nfs3Client, NFS3, type FsInfo, type LookupResult } from './nfs3/nfs3-client.js';
import { FileType, type Fattr3 } from './nfs3/nfs3-types.js';
import { getPort } from './portmap.js';
import type { AuthSysIdentity } from './rpc/auth-sys.js';
import { RpcClient, type RpcClientOptions } from './rpc/rpc-client.js';
import { RpcError } from './rpc/rpc-message.js';

/** Where the export is and who the client is. */
export interface NfsSessionOptions {
  /** The NFS server, a name or an address. */
  readonly host: string;
  /** Ports as given; the portmapper on `portmapperPort` is asked for those missing. */
  readonly nfsPort?: number;
  /** The MOUNT service's port; asked of the portmapper when unset. */
  readonly mountPort?: number;
  /** Where the portmapper (rpcbind) listens, usually 111. */
  readonly portmapperPort: number;
  /** The path to mount (an export, or a directory below one). */
  readonly exportPath: string;
  /** Who the calls are made as (AUTH_SYS): the server checks file permissions against it. */
  readonly identity: AuthSysIdentity;
  /** A call without its reply after this long fails, and the session connects again. */
  readonly timeoutMs: number;
  /** How long a TCP connect may take, to the portmapper, MOUNT and NFS alike. */
  readonly connectTimeoutMs: number;
  /** Sees every RPC record sent and received, for capturing fixtures (see {@link RpcClientOptions}). */
  readonly tap?: RpcClientOptions['tap'];
}

/** A mounted export: the NFS client, the handle of the mounted directory and the segments below it to the export path. */
export interface Mounted {
  /** The NFSv3 procedures, on the connection below. */
  readonly nfs: Nfs3Client;
  /** The RPC connection to the NFS port. */
  readonly rpc: RpcClient;
  /** The file handle MNT returned. */
  readonly root: Uint8Array;
  /** When the server only mounted an ancestor of the export path: the segments from there. */
  readonly below: readonly string[];
  /** The path MNT was given (the export path, or the ancestor the server mounted). */
  readonly mountedPath: string;
  /** FSINFO of the export: its largest read and write sizes among others. */
  readonly fsinfo: FsInfo;
}

/** Directory handles kept at most; the cache is emptied when it grows past this. */
const MAX_CACHED_DIRECTORIES = 4096;

function errnoError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * An NFSv3 session on one export: ports found, the path mounted (lazily, on first use), paths
 * below it resolved to file handles with the handles of directories cached. A handle the server
 * calls stale (NFS3ERR_STALE: the export was remounted, a directory replaced) sends the path back
 * to the mount root: {@link run} mounts again and retries the work once.
 */
export class NfsSession {
  private mounted: Promise<Mounted> | undefined;
  private readonly directories = new Map<string, Uint8Array>();
  private closed = false;

  constructor(
    private readonly options: NfsSessionOptions,
    private readonly errors: StoreErrors,
  ) {}

  /** The mounted export (mounting it first). A failed mount is tried again by the next call. */
  ready(): Promise<Mounted> {
    if (this.closed) return Promise.reject(errnoError('ECONNRESET', `${this.where()}: the session is closed`));
    if (!this.mounted) {
      const mounting = this.open();
      this.mounted = mounting;
      mounting.catch(() => {
        if (this.mounted === mounting) this.mounted = undefined;
      });
    }
    return this.mounted;
  }

  /**
   * Runs `work` on `paths` (as the store names them). A cached directory handle can go stale
   * when another client replaces the directory: the server says NFS3ERR_STALE (or, as ganesha
   * does for a directory removed below it, NFS3ERR_NOENT). Then the handles cached for those
   * paths are forgotten and `work` runs once more, looking them up again from the mount root
   * (mounted again first when the root itself is stale). A NOENT with nothing cached is an answer.
   */
  async run<T>(paths: readonly string[], work: (m: Mounted) => Promise<T>): Promise<T> {
    const mounting = this.ready();
    const first = await mounting;
    try {
      return await work(first);
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      const chains = paths.map((p) => ancestorKeys(this.inMount(first, p)));
      const cached = chains.some((keys) => keys.some((k) => this.directories.has(k)));
      if (code === 'ENOENT' && !cached) throw err;
      if (code !== 'ENOENT' && code !== 'ESTALE') throw err;
      for (const keys of chains) for (const k of keys) this.directories.delete(k);
      if (code === 'ESTALE') {
        const rootStale = await first.nfs.getattr(first.root, first.mountedPath).then(
          () => false,
          (e: unknown) => isStale(e),
        );
        if (rootStale && this.mounted === mounting) {
          this.directories.clear();
          this.mounted = undefined;
          void first.rpc.close();
        }
      }
      return work(await this.ready());
    }
  }

  /**
   * `path` (below the export path, as the store names it) as a path below the mounted
   * directory: the same unless the server only mounted an ancestor of the export path.
   */
  inMount(m: Mounted, path: string): string {
    return posix.join('/', ...m.below, path);
  }

  /** The handle of directory `path` (below the mounted directory), looked up from the nearest cached ancestor. */
  async directory(m: Mounted, path: string): Promise<Uint8Array> {
    const segments = segmentsOf(path);
    let at = segments.length;
    let handle: Uint8Array | undefined;
    for (; at > 0; at--) {
      handle = this.directories.get(segments.slice(0, at).join('/'));
      if (handle) break;
    }
    handle ??= m.root;
    for (; at < segments.length; at++) {
      const name = segments[at]!;
      const what = this.describe(m, `/${segments.slice(0, at + 1).join('/')}`);
      const found = await m.nfs.lookup(handle, name, what);
      const type = (found.attributes ?? (await m.nfs.getattr(found.handle, what))).type;
      if (type !== FileType.DIR) throw errnoError('ENOTDIR', `${what} is not a directory`);
      handle = found.handle;
      this.remember(segments.slice(0, at + 1), handle);
    }
    return handle;
  }

  /** What is at `path` (below the mounted directory): its handle and attributes (fetched when LOOKUP left them out). */
  async lookup(
    m: Mounted,
    path: string,
  ): Promise<
    LookupResult & {
      /** The attributes, always present here. */
      attributes: Fattr3;
    }
  > {
    const segments = segmentsOf(path);
    const what = this.describe(m, path);
    if (segments.length === 0) return { handle: m.root, attributes: await m.nfs.getattr(m.root, what) };
    const dir = await this.directory(m, posix.dirname(posix.join('/', ...segments)));
    const found = await m.nfs.lookup(dir, segments.at(-1)!, what);
    return { handle: found.handle, attributes: found.attributes ?? (await m.nfs.getattr(found.handle, what)) };
  }

  /** Records the handle of directory `path` (below the mounted directory), from a listing or a MKDIR. */
  rememberDirectory(path: string, handle: Uint8Array): void {
    this.remember(segmentsOf(path), handle);
  }

  /** Forgets `path` (below the mounted directory) and everything below it: it was removed or replaced. */
  forget(path: string): void {
    const key = segmentsOf(path).join('/');
    for (const cached of this.directories.keys()) if (cached === key || cached.startsWith(`${key}/`)) this.directories.delete(cached);
  }

  /** `path` (below the mounted directory) as an error message names it. */
  describe(m: Mounted, path: string): string {
    return `${this.where()}${posix.join(m.mountedPath, path)}`;
  }

  /** Unmounts (advisory) and closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const m = await this.mounted?.catch(() => undefined);
    if (!m) return;
    await m.rpc.close();
    const mountClient = await this.mountClient().catch(() => undefined);
    if (mountClient) {
      await unmount(mountClient, m.mountedPath).catch(() => undefined);
      await mountClient.close();
    }
  }

  private remember(segments: readonly string[], handle: Uint8Array): void {
    if (this.directories.size >= MAX_CACHED_DIRECTORIES) this.directories.clear();
    this.directories.set(segments.join('/'), handle);
  }

  private where(): string {
    return `nfs://${this.options.host}`;
  }

  private rpcOptions(port: number, timeoutMs = this.options.timeoutMs): RpcClientOptions {
    const { host, identity, connectTimeoutMs, tap } = this.options;
    return { host, port, identity, timeoutMs, connectTimeoutMs, ...(tap ? { tap } : {}) };
  }

  /** The port of `program`: as configured, or from the portmapper. */
  private async port(given: number | undefined, program: { program: number; version: number }, name: string): Promise<number> {
    if (given !== undefined) return given;
    const portmapper = new RpcClient(this.rpcOptions(this.options.portmapperPort, this.options.connectTimeoutMs));
    try {
      const port = await getPort(portmapper, program.program, program.version).catch((err: unknown) => {
        const code = (err as { code?: unknown } | null)?.code;
        throw Object.assign(
          new Error(
            `the portmapper of ${this.options.host} (port ${this.options.portmapperPort}) did not give the ${name} port: ${(err as Error).message}; give ${name}port to skip it`,
            { cause: err },
          ),
          { code },
        );
      });
      if (port === 0)
        throw this.errors.config(
          `${name} version ${program.version} is not registered with the portmapper of ${this.options.host}`,
          `${name}port`,
        );
      return port;
    } finally {
      await portmapper.close();
    }
  }

  private async mountClient(): Promise<RpcClient> {
    return new RpcClient(this.rpcOptions(await this.port(this.options.mountPort, MOUNT3, 'mount')));
  }

  private async open(): Promise<Mounted> {
    const mountClient = await this.mountClient();
    let mountedPath: string;
    let root: Uint8Array;
    let below: string[];
    try {
      ({ mountedPath, root, below } = await this.mountNearest(mountClient));
    } finally {
      await mountClient.close();
    }
    const rpc = new RpcClient(this.rpcOptions(await this.port(this.options.nfsPort, NFS3, 'nfs')));
    const nfs = new Nfs3Client(rpc);
    try {
      const fsinfo = await nfs.fsinfo(root);
      return { nfs, rpc, root, below, mountedPath, fsinfo };
    } catch (err) {
      await rpc.close();
      throw this.refused(err, mountedPath);
    }
  }

  /**
   * Mounts the export path, or else its nearest ancestor the server mounts (some servers only
   * mount an export's root): the rest is looked up from there.
   */
  private async mountNearest(client: RpcClient): Promise<{ mountedPath: string; root: Uint8Array; below: string[] }> {
    const segments = segmentsOf(this.options.exportPath);
    let firstFailure: unknown;
    for (let depth = segments.length; depth >= 1; depth--) {
      const path = `/${segments.slice(0, depth).join('/')}`;
      try {
        const { handle } = await mount(client, path);
        return { mountedPath: path, root: handle, below: segments.slice(depth) };
      } catch (err) {
        if (!(err instanceof MountError)) throw this.refused(err, path);
        firstFailure ??= err;
      }
    }
    throw this.refused(firstFailure, this.options.exportPath);
  }

  /** A refused mount or credential as the typed error a user acts on. */
  private refused(err: unknown, path: string): unknown {
    if (err instanceof MountError) {
      const message = `${this.where()} refused to mount ${path} (${err.status})`;
      return err.code === 'EACCES' || err.code === 'EPERM'
        ? this.errors.auth(`${message}: check the export path and that the server exports it to this client`, err)
        : this.errors.config(message, 'export', err);
    }
    if (err instanceof RpcError && err.code === 'EACCES')
      return this.errors.auth(`${this.where()} refused the AUTH_SYS credential (${err.status})`, err);
    return err;
  }
}

/** NFS3ERR_STALE or NFS3ERR_BADHANDLE: the handle names nothing the server knows any more. */
function isStale(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ESTALE';
}

/** The cache keys of `path` and each of its ancestors below the mounted directory. */
function ancestorKeys(path: string): string[] {
  const segments = segmentsOf(path);
  return segments.map((_, i) => segments.slice(0, i + 1).join('/'));
}

/** The non-empty segments of a `/`-separated path. */
function segmentsOf(path: string): string[] {
  return path.split('/').filter((s) => s !== '' && s !== '.');
}
