import { mapLimited } from '@volback/core';

/** The listings the walk needs, with names relative to the store's key prefix. */
export interface Lister {
  /** Keys and common prefixes directly under `prefix` (delimiter `/`), all pages. */
  level(prefix: string): Promise<{ keys: string[]; prefixes: string[] }>;
  /** One page of the keys under `prefix` that sort after `after` (from the start without it). */
  page(prefix: string, after: string | undefined): Promise<{ keys: string[]; truncated: boolean }>;
  /** Every key under `prefix` that sorts after `after`, a page at a time. */
  each(prefix: string, onPage: (keys: string[]) => void, after?: string): Promise<void>;
}

/** A backup's `_metadata` object, by its name's end (Cinder's names and custom ones alike). */
export function isMetadataKey(key: string): boolean {
  return key.endsWith('_metadata');
}

const VOLUME_DIR = /^volume_[^/]+\/$/;
const TIMESTAMP_DIR = /^\d{14}\/$/;
/** A key of one backup in Cinder's object-store layout: its base, then the object's own suffix. */
const BACKUP_KEY = /^(az_.+_backup_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(-\d+|_metadata|_sha256file)$/;

/**
 * The `_metadata` keys of a bucket laid out as Cinder's object-store drivers write it
 * (`volume_<vol>/<YYYYMMDDhhmmss>/az_<az>_backup_<uuid>` then `-00001…`, `_sha256file`,
 * `_metadata`), without listing every data object. Directory levels are listed with a delimiter;
 * a timestamp directory is read a page at a time, and where a page stops inside a backup, the
 * rest of its data objects are skipped: `_` sorts after `-`, so listing `<base>_` gives its
 * `_sha256file` and `_metadata`, and the next page starts after them. A small backup costs one
 * call, a big one a call per page boundary it spans instead of one per 1000 objects. Whatever is
 * not in that layout is listed whole.
 * Returns null when the server's listing with a delimiter disagrees with `sample` (the first
 * page of a plain listing), for the caller to list everything instead.
 * Not looked at: keys that start with a backup's base and go on with neither `-` nor `_` (no
 * name Cinder writes), which sort between its data objects and its `_metadata`.
 */
export async function findMetadataKeys(lister: Lister, concurrency: number, sample: string[]): Promise<string[] | null> {
  const found = new Set<string>();
  const keep = (keys: string[]): void => {
    for (const k of keys) if (isMetadataKey(k)) found.add(k);
  };
  const top = await lister.level('');
  // Some servers (s3rver) give no common prefixes at the top: the walk would miss whole volumes.
  // Every key of a plain listing's first page must show up at the top, itself or under a prefix.
  const topKeys = new Set(top.keys);
  const shown = (k: string): boolean => topKeys.has(k) || top.prefixes.some((p) => k.startsWith(p));
  if (!sample.every(shown)) return null;
  keep(top.keys);
  const timestampDirs: string[] = [];
  await mapLimited(top.prefixes, concurrency, async (dir) => {
    if (!VOLUME_DIR.test(dir)) return lister.each(dir, keep);
    const level = await lister.level(dir);
    keep(level.keys);
    for (const sub of level.prefixes) {
      if (TIMESTAMP_DIR.test(sub.slice(dir.length))) timestampDirs.push(sub);
      else await lister.each(sub, keep);
    }
  });
  await mapLimited(timestampDirs, concurrency, (dir) => walkTimestampDir(lister, dir, keep));
  return [...found].sort();
}

async function walkTimestampDir(lister: Lister, dir: string, keep: (keys: string[]) => void): Promise<void> {
  let after: string | undefined;
  for (;;) {
    const page = await lister.page(dir, after);
    keep(page.keys);
    const last = page.keys.at(-1);
    if (!page.truncated || last === undefined) return;
    after = last;
    const match = BACKUP_KEY.exec(last.slice(dir.length));
    if (!match) continue; // not a name Cinder writes: read on, page by page
    // The page stopped inside a backup: its `_sha256file` and `_metadata`, then past them.
    const base = dir + (match[1] as string);
    let end = `${base}_`;
    await lister.each(end, (keys) => {
      keep(keys);
      end = keys.at(-1) ?? end;
    });
    if (end > after) after = end;
  }
}
