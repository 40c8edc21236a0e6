import type { BigIntStats } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { InvalidVolumeError } from './errors.js';
import type { ObjectStore } from './object-store.js';

/**
 * A file that a restore must not overwrite, named by what it is on disk rather than by a path:
 * e.g. the source of a backup in progress.
 */
export interface ProtectedFile {
  /** `st_dev` and `st_ino` of the file. */
  dev: bigint;
  /** `st_ino` of the file: with `dev`, what names it whatever path reaches it. */
  ino: bigint;
  /** For a block device, the device it is (`st_rdev`): another node of the same device is the same disk. */
  rdev?: bigint;
  /** What the file is, for the refusal's message: "the source of backup … (pid 123)". */
  what: string;
}

/** What {@link checkRestoreTarget} protects. */
export interface TargetGuard {
  /** The store the restore reads: nothing inside its local directory may be written. */
  store?: Pick<ObjectStore, 'localRoot'>;
  /** Files in use elsewhere that the target must not be. */
  protectedFiles?: readonly ProtectedFile[];
}

/** Where a path leads once its symlinks are resolved, and what is there now (null: nothing yet). */
export interface ResolvedPath {
  /** The path with every symlink resolved. */
  path: string;
  /** What is there now (device and inode included), or null when nothing is there yet. */
  stats: BigIntStats | null;
}

/**
 * Resolves `path` through symlinks: an existing file to its real path, a new one to its name in
 * the real path of its directory. A dangling symlink is refused, since writing "through" it would
 * create a file somewhere the user did not name.
 */
export async function resolveVolumePath(path: string, role: string): Promise<ResolvedPath> {
  try {
    const real = await realpath(path);
    return { path: real, stats: await stat(real, { bigint: true }) };
  } catch (err) {
    if (!isMissing(err)) throw new InvalidVolumeError(`cannot resolve ${role} ${path}: ${(err as Error).message}`, { cause: err });
  }
  let dir: string;
  try {
    dir = await realpath(dirname(path));
  } catch (err) {
    throw new InvalidVolumeError(`cannot create ${role} ${path}: its directory ${dirname(path)} does not exist`, { cause: err });
  }
  const resolved = join(dir, basename(path));
  try {
    await lstat(resolved);
  } catch (err) {
    if (isMissing(err)) return { path: resolved, stats: null };
    throw new InvalidVolumeError(`cannot resolve ${role} ${path}: ${(err as Error).message}`, { cause: err });
  }
  throw new InvalidVolumeError(`${role} ${path} is a symlink to nothing: give the path it should lead to`);
}

/**
 * Refuses (with {@link InvalidVolumeError}) to restore into `target` when that would damage the
 * store being read or a protected file:
 * - inside the store's local directory, by real path or by directory identity (a bind mount or
 *   another mount of the same directory), where a new file changes a backup's object list and a
 *   replaced one destroys an object;
 * - a regular file with other hard links on the store's filesystem: one of them may be a stored
 *   object, and finding out would mean reading the whole store;
 * - the block device that holds the store's filesystem;
 * - a protected file (same device and inode, or the same block device).
 */
export async function checkRestoreTarget(target: ResolvedPath, guard: TargetGuard): Promise<void> {
  const { path, stats } = target;
  const hit = stats && guard.protectedFiles?.find((p) => sameFile(stats, p));
  if (hit) throw new InvalidVolumeError(`restore target ${path} is ${hit.what}: it must not be overwritten while in use`);
  const root = await storeRoot(guard.store);
  if (root) {
    if (await isInside(path, stats, root)) {
      throw new InvalidVolumeError(`restore target ${path} lies inside the store (${root.path}): writing there would damage its backups`);
    }
    if (stats?.isFile() && stats.nlink > 1n && stats.dev === root.stats.dev) {
      throw new InvalidVolumeError(
        `restore target ${path} has ${stats.nlink} hard links on the filesystem of the store (${root.path}), and one may be a stored object: ` +
          'remove the other links or restore elsewhere',
      );
    }
    if (stats?.isBlockDevice() && stats.rdev === root.stats.dev) {
      throw new InvalidVolumeError(
        `restore target ${path} is the device that holds the store (${root.path}): writing it would destroy the store`,
      );
    }
  }
}

/** Refuses (with {@link InvalidVolumeError}) to back up a volume that lies inside the store it is written to. */
export async function checkBackupSource(path: string, store: Pick<ObjectStore, 'localRoot'>): Promise<void> {
  const root = await storeRoot(store);
  if (!root) return;
  const source = await resolveVolumePath(path, 'volume');
  if (await isInside(source.path, source.stats, root)) {
    throw new InvalidVolumeError(
      `volume ${path} lies inside the store it would be backed up to (${root.path}): choose a volume outside it`,
    );
  }
}

/** A file's identity for a {@link ProtectedFile}. */
export function fileIdentity(stats: BigIntStats): Pick<ProtectedFile, 'dev' | 'ino' | 'rdev'> {
  return { dev: stats.dev, ino: stats.ino, ...(stats.isBlockDevice() ? { rdev: stats.rdev } : {}) };
}

function sameFile(stats: BigIntStats, p: ProtectedFile): boolean {
  if (stats.dev === p.dev && stats.ino === p.ino) return true;
  return stats.isBlockDevice() && p.rdev !== undefined && stats.rdev === p.rdev;
}

/** The store's directory, resolved; null when it keeps no local files or holds nothing yet. */
async function storeRoot(store: Pick<ObjectStore, 'localRoot'> | undefined): Promise<{ path: string; stats: BigIntStats } | null> {
  if (store?.localRoot === undefined) return null;
  try {
    const path = await realpath(store.localRoot);
    return { path, stats: await stat(path, { bigint: true }) };
  } catch (err) {
    if (isMissing(err)) return null;
    throw new InvalidVolumeError(`cannot resolve the store's directory ${store.localRoot}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * True when `path` (resolved) is the root or below it: by name, or because one of the directories
 * above it is the root's very directory reached through another path.
 */
async function isInside(path: string, stats: BigIntStats | null, root: { path: string; stats: BigIntStats }): Promise<boolean> {
  if (path === root.path || path.startsWith(root.path.endsWith(sep) ? root.path : root.path + sep)) return true;
  let dir = stats?.isDirectory() ? path : dirname(path);
  for (;;) {
    let st: BigIntStats;
    try {
      st = await stat(dir, { bigint: true });
    } catch (err) {
      throw new InvalidVolumeError(`cannot check where ${path} lies: ${(err as Error).message}`, { cause: err });
    }
    if (st.dev === root.stats.dev && st.ino === root.stats.ino) return true;
    const up = dirname(dir);
    if (up === dir) return false;
    dir = up;
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
