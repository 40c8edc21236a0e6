import { randomBytes } from 'node:crypto';
import { constants as fsConstants, type Dirent } from 'node:fs';
import { access, chmod, mkdir, open, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import {
  ConfigError,
  InvalidBackupError,
  NotFoundError,
  posixContainerFor,
  posixObjectPrefix,
  throwIfAborted,
  VolbackError,
} from '@volback/core';
import type { BackupRecord, ByteRange, GetObjectOptions, ObjectStore, ObjectStoreCapabilities, PutObjectOptions, StoreCallOptions } from '@volback/core';
import type { PosixStoreConfig } from './config.js';
import { backendErrorFromFs, errnoCode, objectNotFound } from './fs-errors.js';
import { TEMP_FILE_PREFIX, checkObjectName, containerSegments } from './safe-names.js';

/** Cinder's `put_container` mode for the leaf directory (`S_IRWXU|S_IRWXG`). */
const DEFAULT_DIR_MODE = 0o770;
/** Cinder's object mode. */
const DEFAULT_FILE_MODE = 0o660;
const DEFAULT_MAX_CONCURRENCY = 4;
/** How deep `listContainers` looks below the root; the default container is 3 deep. */
const MAX_CONTAINER_DEPTH = 8;

/**
 * An {@link ObjectStore} on a directory, with Cinder's posix/NFS layout:
 * objects at `<root>/<container>/<object name>`, the default container `id[0:2]/id[2:4]/id`.
 *
 * Unlike Cinder, writes go to a temporary dot-file that is fsynced and renamed into place,
 * so a crash never leaves a partial object under its final name. What ends up on disk is
 * the same files with the same modes, so Cinder reads our backups and we read Cinder's.
 */
export class PosixObjectStore implements ObjectStore {
  readonly driverId = 'posix';
  readonly serviceName = 'cinder.backup.drivers.posix.PosixBackupDriver';
  readonly capabilities: ObjectStoreCapabilities;
  /** Absolute path of the backup root. */
  readonly root: string;
  /** The backup root: nothing may be restored into it. */
  get localRoot(): string {
    return this.root;
  }
  private readonly fileMode: number;
  private readonly dirMode: number;
  private readonly fsync: boolean;
  /** Background fsyncs of objects put with `flushLater`, by container, until `flush`. */
  private readonly unflushed = new Map<string, { syncs: Promise<unknown>[]; dirs: Set<string> }>();

  constructor(config: PosixStoreConfig) {
    if (typeof config.root !== 'string' || config.root === '') {
      throw new ConfigError('posix: root must be a non-empty path', 'root');
    }
    this.root = resolve(config.root);
    this.fileMode = config.fileMode ?? DEFAULT_FILE_MODE;
    this.dirMode = config.dirMode ?? DEFAULT_DIR_MODE;
    this.fsync = config.fsync ?? true;
    this.capabilities = {
      maxConcurrency: config.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
      ranges: true,
      listContainers: true,
    };
  }

  /** Cinder's posix `_generate_object_name_prefix`. */
  objectNamePrefix(record: BackupRecord): string {
    return posixObjectPrefix(record);
  }

  /** Cinder's posix `update_container_name`: the user's container, else `id[0:2]/id[2:4]/id`. */
  containerFor(backupId: string, requested: string | null): string {
    return requested !== null && requested !== '' ? requested : posixContainerFor(backupId);
  }

  async ensureContainer(container: string, opts?: StoreCallOptions): Promise<void> {
    throwIfAborted(opts?.signal);
    const dir = this.containerPath(container);
    let firstCreated: string | undefined;
    try {
      firstCreated = await mkdir(dir, { recursive: true });
    } catch (err) {
      throw backendErrorFromFs(err, 'create container', dir);
    }
    // Like Cinder, only a directory we just created gets the mode; an existing one is left alone.
    if (firstCreated !== undefined) {
      try {
        await chmod(dir, this.dirMode);
      } catch (err) {
        throw backendErrorFromFs(err, 'chmod container', dir);
      }
    }
  }

  /**
   * Removes the container directory if it is empty, then each parent left empty, up to the
   * root. A directory that still holds anything is kept. Backup deletion never calls this
   * (Cinder keeps containers); it is for hosts tidying up, such as the conformance run.
   */
  async deleteContainer(container: string, opts?: StoreCallOptions): Promise<void> {
    throwIfAborted(opts?.signal);
    let dir = this.containerPath(container);
    while (dir.startsWith(this.root + sep)) {
      try {
        await rmdir(dir);
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'ENOTEMPTY' || code === 'EEXIST') return;
        if (code !== 'ENOENT') throw backendErrorFromFs(err, 'remove container', dir);
      }
      dir = dirname(dir);
    }
  }

  async putObject(container: string, name: string, data: Uint8Array, opts?: PutObjectOptions): Promise<void> {
    throwIfAborted(opts?.signal);
    const dir = this.containerPath(container);
    const finalPath = this.objectPath(dir, name);
    const tempPath = join(dir, `${TEMP_FILE_PREFIX}${randomBytes(8).toString('hex')}`);

    let handle: FileHandle;
    try {
      handle = await open(tempPath, 'wx', this.fileMode);
    } catch (err) {
      if (isMissing(err)) {
        throw new NotFoundError(`posix: container ${JSON.stringify(container)} does not exist (${dir})`, { cause: err });
      }
      throw backendErrorFromFs(err, 'create', tempPath);
    }
    // With flushLater the fsync starts once the object is in place and `flush` waits for it:
    // the disk catches up while the engine goes on. The object is named before it is durable,
    // but no backup refers to it until _metadata, which is written after the flush.
    const later = this.fsync && opts?.flushLater === true;
    let closed = false;
    try {
      await handle.writeFile(data);
      if (this.fsync && !later) await handle.sync();
      // open() applied the umask; the object must end up exactly fileMode, as Cinder's chmod does.
      await handle.chmod(this.fileMode);
      closed = true;
      await handle.close();
      throwIfAborted(opts?.signal);
      await rename(tempPath, finalPath);
    } catch (err) {
      if (!closed) await handle.close().catch(() => undefined);
      await rm(tempPath, { force: true }).catch(() => undefined);
      if (err instanceof VolbackError) throw err;
      throw backendErrorFromFs(err, 'write', finalPath);
    }
    if (later) this.syncLater(container, dir, finalPath);
    else if (this.fsync) await this.syncDirectory(dir);
  }

  async flush(container: string, opts?: StoreCallOptions): Promise<void> {
    throwIfAborted(opts?.signal);
    // Taken out whole: puts that arrive while this waits start a new batch of their own.
    const pending = this.unflushed.get(container);
    if (!pending) return;
    this.unflushed.delete(container);
    try {
      const failure = (await Promise.allSettled(pending.syncs)).find((r) => r.status === 'rejected');
      if (failure) throw failure.reason;
      for (const dir of pending.dirs) await this.syncDirectory(dir);
    } catch (err) {
      // Put back: a retried flush must fail the same way, never pass with nothing to wait for.
      const later = this.unflushed.get(container);
      this.unflushed.set(container, {
        syncs: [...pending.syncs, ...(later?.syncs ?? [])],
        dirs: new Set([...pending.dirs, ...(later?.dirs ?? [])]),
      });
      throw err;
    }
  }

  private syncLater(container: string, dir: string, path: string): void {
    let pending = this.unflushed.get(container);
    if (!pending) {
      pending = { syncs: [], dirs: new Set() };
      this.unflushed.set(container, pending);
    }
    pending.dirs.add(dir);
    const sync = syncFile(path);
    // Awaited by flush; never an unhandled rejection before that.
    sync.catch(() => undefined);
    pending.syncs.push(sync);
  }

  async getObject(container: string, name: string, opts?: GetObjectOptions): Promise<Uint8Array> {
    throwIfAborted(opts?.signal);
    const dir = this.containerPath(container);
    const path = this.objectPath(dir, name);
    const range = opts?.range;
    if (range !== undefined) checkRange(range);

    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      throw isMissing(err) ? objectNotFound(container, name, err) : backendErrorFromFs(err, 'open', path);
    }
    try {
      // Whole objects too are read by size in one buffer: readFile would go in 512 KiB steps.
      return await readRange(handle, range ?? { offset: 0, length: Number.MAX_SAFE_INTEGER }, opts?.allocate);
    } catch (err) {
      // A directory under an object's name is not an object.
      throw errnoCode(err) === 'EISDIR' ? objectNotFound(container, name, err) : backendErrorFromFs(err, 'read', path);
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  async deleteObject(container: string, name: string, opts?: StoreCallOptions): Promise<void> {
    throwIfAborted(opts?.signal);
    const path = this.objectPath(this.containerPath(container), name);
    try {
      await unlink(path);
    } catch (err) {
      // Deleting what is not there succeeds, as Cinder's delete_object does. The container stays.
      if (isMissing(err)) return;
      throw backendErrorFromFs(err, 'delete', path);
    }
  }

  async listObjects(container: string, prefix: string, opts?: StoreCallOptions): Promise<string[]> {
    throwIfAborted(opts?.signal);
    const dir = this.containerPath(container);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return [];
      throw backendErrorFromFs(err, 'list', dir);
    }
    return entries
      .filter((e) => e.isFile() && e.name.startsWith(prefix) && !e.name.startsWith(TEMP_FILE_PREFIX))
      .map((e) => e.name)
      .sort();
  }

  /**
   * Every directory below the root holding an object, as a `/`-separated path: those of
   * finished backups, and those an unfinished one left, so its orphans can be found and removed.
   * Users may choose containers at any depth, so the whole tree is walked (symlinks are not
   * followed, depth is bounded).
   */
  async listContainers(opts?: StoreCallOptions): Promise<string[]> {
    const found: string[] = [];
    await this.walk(opts, (segments, entries) => {
      const holdsObjects = entries.some((e) => e.isFile() && !e.name.startsWith(TEMP_FILE_PREFIX));
      if (segments.length > 0 && holdsObjects) found.push(segments.join('/'));
    });
    return found.sort();
  }

  /**
   * Removes the temporary files of puts that a killed process never finished, last written
   * before `before`: no listing shows them, so nothing else ever would. A put in progress keeps
   * writing its file, so a grace period of minutes never touches one.
   */
  async removeIncompleteWrites(before: Date, opts?: StoreCallOptions & { dryRun?: boolean }): Promise<number> {
    const stale: string[] = [];
    await this.walk(opts, async (segments, entries) => {
      // Puts write into containers only, never into the root itself.
      if (segments.length === 0) return;
      for (const e of entries) {
        if (!e.isFile() || !e.name.startsWith(TEMP_FILE_PREFIX)) continue;
        const path = join(this.root, ...segments, e.name);
        const info = await stat(path).catch(() => null);
        if (info && info.mtime < before) stale.push(path);
      }
    });
    if (!opts?.dryRun) {
      for (const path of stale) {
        throwIfAborted(opts?.signal);
        await rm(path, { force: true }).catch((err: unknown) => {
          throw backendErrorFromFs(err, 'remove temporary file', path);
        });
      }
    }
    return stale.length;
  }

  /** Calls `visit` with every directory below the root and its entries, to a bounded depth, never following symlinks. */
  private async walk(opts: StoreCallOptions | undefined, visit: (segments: string[], entries: Dirent[]) => void | Promise<void>): Promise<void> {
    const walkFrom = async (segments: string[]): Promise<void> => {
      throwIfAborted(opts?.signal);
      const dir = join(this.root, ...segments);
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        // A directory that vanished or that we may not read holds no backups we could use.
        const code = errnoCode(err);
        if (code === 'ENOENT' || code === 'ENOTDIR' || (segments.length > 0 && code === 'EACCES')) return;
        throw backendErrorFromFs(err, 'list', dir);
      }
      await visit(segments, entries);
      if (segments.length >= MAX_CONTAINER_DEPTH) return;
      for (const e of entries) {
        // Dirent.isDirectory() is false for a symlink, so links are never followed.
        if (e.isDirectory() && !e.name.includes('\\')) await walkFrom([...segments, e.name]);
      }
    };
    await walkFrom([]);
  }

  /**
   * Checks the root, changing nothing: read-only commands must not create a store. The root must
   * be a writable directory. One that does not exist yet is a NotFoundError when it can be
   * created (the first backup creates it, with its first container: see `ensureContainer`), and
   * a ConfigError on `root` when it cannot.
   */
  async checkForSetupError(): Promise<void> {
    if (!(await this.checkDirectory(this.root))) {
      await this.checkCreatable();
      throw new NotFoundError(`posix: backup root ${this.root} does not exist (a backup creates it)`);
    }
  }

  /** The root's nearest existing ancestor is a directory it can be created in; else a ConfigError. */
  private async checkCreatable(): Promise<void> {
    for (let dir = dirname(this.root); ; dir = dirname(dir)) {
      if (await this.checkDirectory(dir)) return;
      if (dirname(dir) === dir) return;
    }
  }

  /** False when `dir` does not exist; true when it is a writable directory; else a ConfigError on `root`. */
  private async checkDirectory(dir: string): Promise<boolean> {
    const what = dir === this.root ? `backup root ${this.root}` : `${dir}, where backup root ${this.root} would be created,`;
    try {
      const info = await stat(dir);
      if (!info.isDirectory()) throw new ConfigError(`posix: ${what} is not a directory`, 'root');
      await access(dir, fsConstants.W_OK | fsConstants.X_OK);
      return true;
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      if (errnoCode(err) === 'ENOENT') return false;
      throw new ConfigError(`posix: ${what} is not a writable directory: ${describe(err)}`, 'root', { cause: err });
    }
  }

  /** Absolute path of a container, refusing names that would leave the root. */
  private containerPath(container: string): string {
    const path = join(this.root, ...containerSegments(container));
    // Belt and braces: the segment checks already make this impossible.
    if (!path.startsWith(this.root + sep)) throw new InvalidBackupError(`posix: container ${JSON.stringify(container)} leaves the root`);
    return path;
  }

  private objectPath(containerDir: string, name: string): string {
    checkObjectName(name);
    return join(containerDir, name);
  }

  /** Makes the rename durable. Some filesystems cannot fsync a directory; Cinder never does, so that is tolerated. */
  private async syncDirectory(dir: string): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(dir, 'r');
      await handle.sync();
    } catch (err) {
      const code = errnoCode(err);
      if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR') throw backendErrorFromFs(err, 'fsync directory', dir);
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }
}

/** ENOENT, or ENOTDIR when a path component is a regular file: either way nothing is there. */
function isMissing(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function checkRange(range: ByteRange): void {
  if (!Number.isSafeInteger(range.offset) || range.offset < 0 || !Number.isSafeInteger(range.length) || range.length < 0) {
    throw new InvalidBackupError(`posix: invalid byte range ${JSON.stringify(range)}`);
  }
}

/** Reads `length` bytes from `offset`, fewer when the object ends first. */
async function readRange(handle: FileHandle, range: ByteRange, allocate?: (length: number) => Uint8Array): Promise<Uint8Array> {
  const { size } = await handle.stat();
  // Size the buffer by what exists, so a huge requested length cannot allocate huge memory.
  const wanted = Math.max(0, Math.min(range.length, size - range.offset));
  const buffer = allocate ? allocate(wanted) : new Uint8Array(wanted);
  let filled = 0;
  while (filled < wanted) {
    const { bytesRead } = await handle.read(buffer, filled, wanted - filled, range.offset + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === wanted ? buffer : buffer.subarray(0, filled);
}

/** fsync of a file by path; a file deleted meanwhile (a failed backup's cleanup) needs none. */
async function syncFile(path: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (isMissing(err)) return;
    throw backendErrorFromFs(err, 'fsync', path);
  }
  try {
    await handle.sync();
  } catch (err) {
    throw backendErrorFromFs(err, 'fsync', path);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
