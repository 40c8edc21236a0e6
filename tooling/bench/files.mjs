// File-system helpers for the bench: page-cache control, apparent size of a tree, file hashes.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes back dirty pages and drops the page cache (root only). Returns false when the kernel
 * refuses, in which case every "cold" figure is really a warm-cache one and the report says so.
 */
export function dropCaches() {
  spawnSync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

/** Reads a file through once so a following measurement starts from a warm page cache. */
export function warmFile(path) {
  forEachBlock(path, () => {});
}

/** SHA-256 of a file, hex. */
export function sha256File(path) {
  const h = createHash('sha256');
  forEachBlock(path, (block) => h.update(block));
  return h.digest('hex');
}

function forEachBlock(path, onBlock) {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(8 << 20);
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) onBlock(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

/** Sum of the apparent sizes of the regular files under `path` (what `du -sb` prints). */
export function treeBytes(path) {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.isFile() ? st.size : 0;
  return readdirSync(path).reduce((sum, name) => sum + treeBytes(join(path, name)), 0);
}

/** Every regular file under `path`. */
export function filesUnder(path) {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return [];
  if (!st.isDirectory()) return st.isFile() ? [path] : [];
  return readdirSync(path).flatMap((name) => filesUnder(join(path, name)));
}
