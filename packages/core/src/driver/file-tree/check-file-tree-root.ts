import { posix } from 'node:path';
import { ConfigError } from '../../errors.js';
import { errnoOf, type StoreErrors } from '../store-errors.js';
import type { FileTreeTransport } from './file-tree-transport.js';

/** Errnos that say the root (or where it would go) cannot hold a store: a setting to change. */
const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR', 'ELOOP', 'ENAMETOOLONG']);

/**
 * Checks a store's root, changing nothing: read-only commands must not create a store. The root
 * must be a writable directory. One that does not exist yet is a NotFoundError when it can be
 * created (the first backup creates it, with its first container), and a ConfigError on `root`
 * when it cannot: its nearest existing ancestor is no writable directory.
 */
export async function checkFileTreeRoot(errors: StoreErrors, fs: FileTreeTransport, root: string): Promise<void> {
  const isWritableDirectory = async (dir: string): Promise<boolean> => {
    const what = dir === root ? `backup root ${root}` : `${dir}, where backup root ${root} would be created,`;
    try {
      const { kind } = await fs.stat(dir);
      if (kind !== 'directory') throw errors.config(`${what} is not a directory`, 'root');
      await fs.checkWritable(dir);
      return true;
    } catch (err) {
      const errno = errnoOf(err);
      if (errno === 'ENOENT') return false;
      if (err instanceof ConfigError) throw err;
      if (errno !== undefined && NOT_WRITABLE.has(errno))
        throw errors.config(`${what} is not a writable directory: ${err instanceof Error ? err.message : String(err)}`, 'root', err);
      // A remote tree's refused login or broken connection says nothing about the root: it keeps its type.
      throw errors.classify(err, `check ${what}`);
    }
  };
  if (await isWritableDirectory(root)) return;
  for (let dir = posix.dirname(root); !(await isWritableDirectory(dir)); dir = posix.dirname(dir)) {
    if (posix.dirname(dir) === dir) break;
  }
  throw errors.notFound(`backup root ${root} does not exist (a backup creates it)`);
}
