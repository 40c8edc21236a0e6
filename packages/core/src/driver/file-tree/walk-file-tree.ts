import { posix } from 'node:path';
import { errnoOf, isMissingErrno } from '../store-errors.js';
import type { FileTreeEntry, FileTreeTransport } from './file-tree-transport.js';

/** How deep a walk looks below the root; the default container `id[0:2]/id[2:4]/id` is 3 deep. */
const MAX_DEPTH = 8;

/** A directory a walk visits: its path below the root as segments (none for the root), and its entries. */
export type VisitDirectory = (segments: readonly string[], entries: readonly FileTreeEntry[]) => void | Promise<void>;

/**
 * Calls `visit` with every directory from `root` down, to a bounded depth, never following a
 * symlink (a listing names it `other`). Users choose containers at any depth, so the whole tree
 * is walked. A directory that vanished meanwhile, or one below the root we may not read, holds
 * no backups we could use and is passed over; the root itself missing is an empty tree.
 */
export async function walkFileTree(fs: FileTreeTransport, root: string, signal: AbortSignal, visit: VisitDirectory): Promise<void> {
  const walkFrom = async (segments: readonly string[]): Promise<void> => {
    signal.throwIfAborted();
    let entries: FileTreeEntry[];
    try {
      entries = await fs.readdir(posix.join(root, ...segments));
    } catch (err) {
      if (isMissingErrno(err) || (segments.length > 0 && errnoOf(err) === 'EACCES')) return;
      throw err;
    }
    await visit(segments, entries);
    if (segments.length >= MAX_DEPTH) return;
    for (const e of entries) {
      // A name with a backslash could never be a container (see containerSegments).
      if (e.kind === 'directory' && !e.name.includes('\\')) await walkFrom([...segments, e.name]);
    }
  };
  await walkFrom([]);
}
