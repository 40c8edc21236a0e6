import { posix } from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import type { FileTreeKind, FileTreeStat, FileTreeTransport } from '@volback/core/driver';
import type { ConnectionPool } from './connection-pool.js';
import { readAll, writeAll, type Pipelining } from './pipelined-io.js';
import { isGenericFailure, refined, sftpCallError, SftpCallError } from './sftp-errors.js';

/** Tries of a call that may run twice, when the connection fails: about 1.5 s of waiting. */
const IDEMPOTENT = 5;
/**
 * Tries of a background fsync: about 10 s. It must outlast a server restart, as core keeps a
 * failed one against the container's flush for good; an fsync on a later connection makes the
 * same data durable.
 */
const SYNC = 9;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

/** An ssh2 callback call as a promise, its failure carrying an errno-style code (see sftp-errors.ts). */
function call<T = void>(what: string, start: (done: (err: Error | undefined | null, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      start((err, value) => (err ? reject(sftpCallError(err, what)) : resolve(value as T)));
    } catch (err) {
      // ssh2 throws at once when the channel is gone or the server lacks an extension.
      reject(sftpCallError(err, what));
    }
  });
}

function kindOfMode(mode: number): FileTreeKind {
  const type = mode & S_IFMT;
  return type === S_IFREG ? 'file' : type === S_IFDIR ? 'directory' : 'other';
}

const asBuffer = (data: Uint8Array): Buffer => (Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));

const stat = (sftp: SFTPWrapper, path: string): Promise<Stats> => call(`stat ${path}`, (done) => sftp.stat(path, done));
/** What is at `path`, or undefined when nothing is (or it cannot be seen). */
const statOrNothing = (sftp: SFTPWrapper, path: string): Promise<Stats | undefined> => stat(sftp, path).catch(() => undefined);

/**
 * The file tree of an SFTP server, over a pool of connections. SFTP v3 (all OpenSSH speaks)
 * reports most errnos as the generic FAILURE: where core needs the difference (EEXIST,
 * ENOTDIR, EISDIR), a stat after the failure tells.
 */
export function sftpTransport(pool: ConnectionPool, pipelining: Pipelining): FileTreeTransport {
  const mkdirp = async (sftp: SFTPWrapper, path: string): Promise<boolean> => {
    const there = await stat(sftp, path).catch((err: unknown) => {
      if ((err as SftpCallError).code !== 'ENOENT') throw err;
      return undefined;
    });
    if (there !== undefined) {
      if (there.isDirectory()) return false;
      throw new SftpCallError(`mkdir ${path}: a file is in the way`, 'ENOTDIR');
    }
    const parent = posix.dirname(path);
    if (parent !== path) await mkdirp(sftp, parent);
    try {
      await call(`mkdir ${path}`, (done) => sftp.mkdir(path, done));
      return true;
    } catch (err) {
      // Made meanwhile by a concurrent put into the same container.
      if (isGenericFailure(err) && (await statOrNothing(sftp, path))?.isDirectory()) return false;
      throw err;
    }
  };

  /** Opens `path` for `flags`, runs `body` on the handle and closes it; a failing close fails the call (it may report a lost write). */
  const withHandle = async <T>(
    sftp: SFTPWrapper,
    path: string,
    flags: 'r' | 'wx',
    mode: number | undefined,
    body: (handle: Buffer) => Promise<T>,
  ): Promise<T> => {
    const handle = await call<Buffer>(`open ${path}`, (done) =>
      mode === undefined ? sftp.open(path, flags, done) : sftp.open(path, flags, { mode }, done),
    );
    let result: T;
    try {
      result = await body(handle);
    } catch (err) {
      await call(`close ${path}`, (done) => sftp.close(handle, done)).catch(() => undefined);
      throw err;
    }
    await call(`close ${path}`, (done) => sftp.close(handle, done));
    return result;
  };

  const fsync = (sftp: SFTPWrapper, handle: Buffer, path: string): Promise<void> =>
    call(`fsync ${path}`, (done) => sftp.ext_openssh_fsync(handle, (err) => done(err)));

  return {
    mkdirp: (path) => pool.use((sftp) => mkdirp(sftp, path), IDEMPOTENT),
    chmod: (path, mode) => pool.use((sftp) => call(`chmod ${path}`, (done) => sftp.chmod(path, mode, done)), IDEMPOTENT),

    writeNew: (path, data, { mode, sync }) =>
      pool.use(async (sftp) => {
        try {
          await withHandle(sftp, path, 'wx', mode, async (handle) => {
            await writeAll(sftp, handle, asBuffer(data), pipelining);
            if (sync) await fsync(sftp, handle, path);
            // The server applied its umask on open; the file must end up exactly `mode`, as Cinder's chmod does.
            await call(`chmod ${path}`, (done) => sftp.fchmod(handle, mode, done));
          });
        } catch (err) {
          if (isGenericFailure(err) && (await statOrNothing(sftp, path)) !== undefined && (err as Error).message.startsWith('open ')) {
            throw refined(err as SftpCallError, 'EEXIST', 'something is already there');
          }
          throw err;
        }
      }),

    rename: (from, to) =>
      pool.use(async (sftp) => {
        try {
          await call(`rename ${from} ${to}`, (done) => sftp.ext_openssh_rename(from, to, done));
        } catch (err) {
          if (isGenericFailure(err) && (await statOrNothing(sftp, to))?.isDirectory()) {
            throw refined(err as SftpCallError, 'EISDIR', `a directory is at ${to}`);
          }
          if ((err as SftpCallError).code === 'ENOTSUP' || /does not support/i.test((err as Error).message)) {
            throw new SftpCallError(
              `rename ${from} ${to}: the server lacks posix-rename@openssh.com, which an atomic replace needs`,
              'ENOTSUP',
              undefined,
              { cause: err },
            );
          }
          throw err;
        }
      }),

    read: (path, allocate) =>
      pool.use(
        (sftp) =>
          withHandle(sftp, path, 'r', undefined, async (handle) => {
            const info = await call<Stats>(`fstat ${path}`, (done) => sftp.fstat(handle, done));
            if (!info.isFile()) throw new SftpCallError(`read ${path}: not a regular file`, 'EISDIR');
            const buffer = allocate(info.size);
            const filled = await readAll(sftp, handle, asBuffer(buffer), pipelining);
            return filled === buffer.length ? buffer : buffer.subarray(0, filled);
          }),
        IDEMPOTENT,
      ),

    unlink: (path) => pool.use((sftp) => call(`unlink ${path}`, (done) => sftp.unlink(path, done)), IDEMPOTENT),

    readdir: (path) =>
      pool.use(async (sftp) => {
        try {
          const list = await call<{ filename: string; attrs: Stats }[]>(`readdir ${path}`, (done) => sftp.readdir(path, done));
          // Attributes of a listing are lstat's: a symlink is `other`, never followed.
          return list
            .filter((e) => e.filename !== '.' && e.filename !== '..')
            .map((e) => ({ name: e.filename, kind: kindOfMode(e.attrs.mode) }));
        } catch (err) {
          if (isGenericFailure(err) && (await statOrNothing(sftp, path)) !== undefined) {
            throw refined(err as SftpCallError, 'ENOTDIR', 'not a directory');
          }
          throw err;
        }
      }, IDEMPOTENT),

    stat: (path) =>
      pool.use(async (sftp): Promise<FileTreeStat> => {
        const info = await stat(sftp, path);
        return { kind: kindOfMode(info.mode), mtimeMs: info.mtime * 1000 };
      }, IDEMPOTENT),

    // SFTP cannot ask for access without trying: the first backup finds out.
    checkWritable: async () => undefined,

    syncFile: (path) => pool.use((sftp) => withHandle(sftp, path, 'r', undefined, (handle) => fsync(sftp, handle, path)), SYNC),
    // OpenSSH opens a directory as a file handle, and fsync@openssh.com syncs it; elsewhere core tolerates ENOTSUP.
    syncDirectory: (path) => pool.use((sftp) => withHandle(sftp, path, 'r', undefined, (handle) => fsync(sftp, handle, path)), SYNC),

    close: () => pool.close(),
  };
}
