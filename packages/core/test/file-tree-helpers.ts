import { constants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileTreeKind, FileTreeTransport } from '../src/driver/file-tree/file-tree-transport.js';

/**
 * A transport on this machine's disk, written the plainest way (whole-file calls): the family's
 * tests run on a real filesystem, and inject faults by replacing one method.
 */
export const diskTree: FileTreeTransport = {
  mkdirp: async (path) => (await fsp.mkdir(path, { recursive: true })) !== undefined,
  chmod: (path, mode) => fsp.chmod(path, mode),
  async writeNew(path, data, { mode, sync }) {
    await fsp.writeFile(path, data, { flag: 'wx', mode });
    await fsp.chmod(path, mode);
    if (sync) await syncByPath(path);
  },
  rename: (from, to) => fsp.rename(from, to),
  async read(path, allocate) {
    const data = await fsp.readFile(path);
    const into = allocate(data.length);
    into.set(data);
    return into;
  },
  unlink: (path) => fsp.unlink(path),
  readdir: async (path) => (await fsp.readdir(path, { withFileTypes: true })).map((d) => ({ name: d.name, kind: kind(d) })),
  stat: async (path) => fsp.stat(path).then((s) => ({ kind: kind(s), mtimeMs: s.mtimeMs })),
  checkWritable: (path) => fsp.access(path, constants.W_OK),
  syncFile: syncByPath,
  syncDirectory: syncByPath,
};

function kind(d: { isFile(): boolean; isDirectory(): boolean }): FileTreeKind {
  if (d.isFile()) return 'file';
  return d.isDirectory() ? 'directory' : 'other';
}

async function syncByPath(path: string): Promise<void> {
  const handle = await fsp.open(path, 'r');
  await handle.sync().finally(() => handle.close());
}

/** One transport call, as {@link recorded} saw it: the method and its arguments. */
export type Call = readonly [method: keyof FileTreeTransport, ...args: unknown[]];

/** `fs` with every call logged in `calls` before it runs. */
export function recorded(fs: FileTreeTransport): { fs: FileTreeTransport; calls: Call[] } {
  const calls: Call[] = [];
  const wrapped = Object.fromEntries(
    Object.entries(fs).map(([method, fn]) => [
      method,
      (...args: unknown[]) => {
        calls.push([method as keyof FileTreeTransport, ...args]);
        return (fn as (...args: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as FileTreeTransport;
  return { fs: wrapped, calls };
}

/** An error as a filesystem throws it, with its errno code. */
export function errno(code: string): Error {
  return Object.assign(new Error(`${code}: injected`), { code });
}

/** A fresh directory under the OS temp dir; `cleanup` removes it. */
export async function tempTree(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await fsp.mkdtemp(join(tmpdir(), 'volback-file-tree-'));
  return { dir, cleanup: () => fsp.rm(dir, { recursive: true, force: true }) };
}
