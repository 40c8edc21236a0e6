import { constants, type Stats } from 'node:fs';
import { access, chmod, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import type { FileTreeKind, FileTreeTransport } from '@volback/core/driver';

/** The file tree of this machine's filesystem (a local disk, a kernel NFS mount), through node:fs. */
export const nodeFsTransport: FileTreeTransport = {
  // mkdir -p names the first directory it created, and none when the leaf already was one.
  mkdirp: async (path) => (await mkdir(path, { recursive: true })) !== undefined,
  chmod: (path, mode) => chmod(path, mode),

  async writeNew(path, data, { mode, sync }) {
    const handle = await open(path, 'wx', mode);
    try {
      await handle.writeFile(data);
      if (sync) await handle.sync();
      // open() applied the umask; the file must end up exactly `mode`, as Cinder's chmod does.
      await handle.chmod(mode);
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
    // Outside the try: on some filesystems (NFS) close reports a failed write.
    await handle.close();
  },

  rename: (from, to) => rename(from, to),

  async read(path, allocate) {
    const handle = await open(path, 'r');
    try {
      const info = await handle.stat();
      // A directory opens on Linux: refused before the engine lends a buffer for it.
      if (!info.isFile()) throw Object.assign(new Error(`EISDIR: not a regular file, read '${path}'`), { code: 'EISDIR' });
      // Read by size into one buffer: readFile would go in 512 KiB steps and copy.
      const buffer = allocate(info.size);
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === buffer.length ? buffer : buffer.subarray(0, filled);
    } finally {
      await handle.close().catch(() => undefined);
    }
  },

  unlink: (path) => unlink(path),
  // Dirent kinds come from the directory itself: a symlink is neither a file nor a directory.
  readdir: async (path) => (await readdir(path, { withFileTypes: true })).map((e) => ({ name: e.name, kind: kindOf(e) })),

  async stat(path) {
    const info = await stat(path);
    return { kind: kindOf(info), mtimeMs: info.mtimeMs };
  },

  checkWritable: (path) => access(path, constants.W_OK | constants.X_OK),
  syncFile: (path) => syncPath(path),
  syncDirectory: (path) => syncPath(path),
};

function kindOf(entry: Pick<Stats, 'isFile' | 'isDirectory'>): FileTreeKind {
  return entry.isFile() ? 'file' : entry.isDirectory() ? 'directory' : 'other';
}

/** fsync by path: a directory opens read-only as well as a file does. */
async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close().catch(() => undefined);
  }
}
