/** What kind of thing a path names: `other` is anything but a regular file or a directory (a symlink in a listing, a socket, a device). */
export type FileTreeKind = 'file' | 'directory' | 'other';

/** One entry of a directory listing. */
export interface FileTreeEntry {
  /** The entry's name in its directory, without any `/`. */
  readonly name: string;
  /** The entry's own kind, never what a symlink points to: a symlink is `other`, so a walk never follows one. */
  readonly kind: FileTreeKind;
}

/** What `stat` reports. */
export interface FileTreeStat {
  /** What the path names, symlinks followed (unlike a listing entry's kind). */
  readonly kind: FileTreeKind;
  /** Last modification, in milliseconds since the epoch. */
  readonly mtimeMs: number;
}

/**
 * The filesystem a file-tree store runs on: a local directory (posix), an SFTP server, an NFS
 * export. {@link defineFileTreeStore} does everything else (Cinder's layout, temporary names and
 * the rename into place, directory modes, name refusals, listings, fsync batching, the setup check).
 *
 * Paths are `/`-separated, built by core from the store's root; each names one thing, never a
 * pattern. A call throws the protocol's error raw, with an errno-style `code` where it has one
 * (`ENOENT`, `EEXIST`, `ENOTDIR`, `EISDIR`, `ENOTEMPTY`, `EACCES`, `ENOSPC`, `ETIMEDOUT`, ...):
 * core reads the codes named below and classifies the rest (`storeErrors().classify`). A transport
 * maps its protocol's status codes to these names (NFS3ERR_NOENT is ENOENT, SFTP's NO_SUCH_FILE too).
 */
export interface FileTreeTransport {
  /**
   * Creates directory `path` with its missing parents (mode left to the server: core chmods what
   * it wants). Resolves `true` when `path` itself did not exist before this call, `false` when it
   * already was a directory. Throws (EEXIST, ENOTDIR) when a file stands in the way.
   */
  mkdirp(path: string): Promise<boolean>;
  /** Sets the permission bits of `path` to exactly `mode`. */
  chmod(path: string, mode: number): Promise<void>;
  /**
   * Creates a new file at `path` holding exactly `data`, with permission bits exactly `mode` (no
   * umask: chmod after creating if the protocol applies one). Exclusive: throws EEXIST if anything
   * is at `path`, ENOENT if its directory is missing. With `sync`, the data is durable before this
   * resolves (fsync, fsync@openssh.com, WRITE+COMMIT). On failure it may leave a partial file: core
   * removes it.
   */
  writeNew(path: string, data: Uint8Array, options: { readonly mode: number; readonly sync: boolean }): Promise<void>;
  /**
   * Renames file `from` to `to`, replacing a file at `to` in one step: a reader sees the old file
   * or the new one, never neither (POSIX rename; on SFTP posix-rename@openssh.com, as plain
   * SFTP rename refuses an existing target). Throws (EISDIR, ENOTEMPTY, EEXIST) when a directory is at `to`.
   */
  rename(from: string, to: string): Promise<void>;
  /**
   * The whole regular file at `path`, read into `allocate(size)` (its size when opened; call
   * `allocate` once, only for a regular file). If the file shrank meanwhile, the filled part.
   * Throws ENOENT (or ENOTDIR) when nothing is there, EISDIR when it is not a regular file.
   */
  read(path: string, allocate: (size: number) => Uint8Array): Promise<Uint8Array>;
  /** Removes the file at `path`, never a directory. Throws ENOENT (or ENOTDIR) when nothing is there. */
  unlink(path: string): Promise<void>;
  /** The entries of directory `path`, in any order, without `.` and `..`. Throws ENOENT or ENOTDIR when there is no such directory. */
  readdir(path: string): Promise<FileTreeEntry[]>;
  /** What is at `path`, following symlinks. Throws ENOENT when nothing is there. */
  stat(path: string): Promise<FileTreeStat>;
  /**
   * Resolves when this client may create and remove entries in directory `path`; throws (EACCES,
   * EROFS) when it may not. A protocol that cannot tell without writing resolves: then the first
   * backup finds out.
   */
  checkWritable(path: string): Promise<void>;
  /** Makes the data of the file at `path` durable. Throws ENOENT when the file is gone (core then needs nothing). */
  syncFile(path: string): Promise<void>;
  /**
   * Makes the entries of directory `path` (a rename into it) durable. Resolves at once where the
   * protocol makes directory changes durable before it replies (NFSv3). Throws EINVAL or ENOTSUP
   * where the filesystem cannot sync a directory: core tolerates that, as Cinder never syncs one.
   */
  syncDirectory(path: string): Promise<void>;
  /** Ends the session (a connection); no call follows. */
  close?(): Promise<void>;
}
