import { mapLimited } from '../../engine/flow/map-limited.js';
import { prefixOfMetadataObject } from '../../cinder-names.js';
import type { ListPage, ListQuery } from '../store-definition.js';

/**
 * A bucket's listings as the walk reads them, names relative to the store's key prefix: one
 * page of a query, or every page of it (from its `cursor`, when given).
 */
export interface BucketListing {
  page(query: ListQuery): Promise<ListPage>;
  each(query: ListQuery, onPage: (page: ListPage) => void): Promise<void>;
}

const VOLUME_DIR = /^volume_[^/]+\/$/;
const TIMESTAMP_DIR = /^\d{14}\/$/;
/** A key of one backup in Cinder's object-store layout: its base, then the object's own suffix. */
const BACKUP_KEY = /^(az_.+_backup_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(-\d+|_metadata|_sha256file)$/;

/**
 * The `_metadata` names of a bucket, for a listing with a delimiter and `startAfter`. A bucket
 * that fits in one page is read in it. For a bigger one, the first page tells how big its
 * backups are: if its keys sit in fewer directories than the calls that go at once, walking the
 * bucket by directory (about a call per directory, that many at once; see {@link walkBucket})
 * takes fewer round trips than reading every page (one after another). Otherwise, or if the
 * server's listings disagree, the pages are read on from the first, keeping the `_metadata` names.
 */
export async function findMetadataNames(listing: BucketListing, concurrency: number): Promise<string[]> {
  const found = new Set<string>();
  const keep = (names: readonly string[]): void => {
    for (const name of names) if (prefixOfMetadataObject(name) !== null) found.add(name);
  };
  const first = await listing.page({ prefix: '' });
  keep(first.names);
  if (first.next === undefined) return [...found].sort();
  const directories = new Set(first.names.map((k) => k.slice(0, k.lastIndexOf('/') + 1)));
  if (directories.size < concurrency) {
    const walked = await walkBucket(listing, concurrency, first.names);
    if (walked) return walked;
  }
  await listing.each({ prefix: '', cursor: first.next }, (page) => keep(page.names));
  return [...found].sort();
}

/**
 * The `_metadata` names of a bucket laid out as Cinder's object-store drivers write it
 * (`volume_<vol>/<YYYYMMDDhhmmss>/az_<az>_backup_<uuid>` then `-00001…`, `_sha256file`,
 * `_metadata`), without listing every data object. Directory levels are listed with a delimiter;
 * a timestamp directory is read a page at a time, and where a page stops inside a backup, the
 * rest of its data objects are skipped: `_` sorts after `-`, so listing `<base>_` gives its
 * `_sha256file` and `_metadata`, and the next page starts after them. A small backup costs one
 * call, a big one a call per page boundary it spans instead of one per page of objects. Whatever
 * is not in that layout is listed whole.
 * Returns null when the server's listing with a delimiter disagrees with `sample` (the first
 * page of a plain listing), for the caller to list everything instead.
 * Not looked at: keys that start with a backup's base and go on with neither `-` nor `_` (no
 * name Cinder writes), which sort between its data objects and its `_metadata`.
 */
export async function walkBucket(listing: BucketListing, concurrency: number, sample: readonly string[]): Promise<string[] | null> {
  const found = new Set<string>();
  const keep = (names: readonly string[]): void => {
    for (const name of names) if (prefixOfMetadataObject(name) !== null) found.add(name);
  };
  const everyName = (prefix: string, after?: string): Promise<void> =>
    listing.each(after === undefined ? { prefix } : { prefix, startAfter: after }, (page) => keep(page.names));
  const top = await level(listing, '');
  // Some servers (s3rver) give no common prefixes at the top: the walk would miss whole volumes.
  // Every key of a plain listing's first page must show up at the top, itself or under a prefix.
  const topNames = new Set(top.names);
  if (!sample.every((k) => topNames.has(k) || top.prefixes.some((p) => k.startsWith(p)))) return null;
  keep(top.names);
  const timestampDirs: string[] = [];
  await mapLimited(top.prefixes, concurrency, async (dir) => {
    if (!VOLUME_DIR.test(dir)) return everyName(dir);
    const volume = await level(listing, dir);
    keep(volume.names);
    for (const sub of volume.prefixes) {
      if (TIMESTAMP_DIR.test(sub.slice(dir.length))) timestampDirs.push(sub);
      else await everyName(sub);
    }
  });
  await mapLimited(timestampDirs, concurrency, async (dir) => {
    let after: string | undefined;
    for (;;) {
      const page = await listing.page(after === undefined ? { prefix: dir } : { prefix: dir, startAfter: after });
      keep(page.names);
      const last = page.names.at(-1);
      if (page.next === undefined || last === undefined) return;
      after = last;
      const match = BACKUP_KEY.exec(last.slice(dir.length));
      if (!match) continue; // not a name Cinder writes: read on, page by page
      // The page stopped inside a backup: its `_sha256file` and `_metadata`, then past them.
      let end = `${dir}${match[1] as string}_`;
      await listing.each({ prefix: end }, (rest) => {
        keep(rest.names);
        end = rest.names.at(-1) ?? end;
      });
      if (end > after) after = end;
    }
  });
  return [...found].sort();
}

/** Names and common prefixes directly under `prefix` (delimiter `/`), all pages. */
async function level(listing: BucketListing, prefix: string): Promise<{ names: string[]; prefixes: string[] }> {
  const names: string[] = [];
  const prefixes: string[] = [];
  await listing.each({ prefix, delimiter: '/' }, (page) => {
    names.push(...page.names);
    prefixes.push(...(page.prefixes ?? []));
  });
  return { names, prefixes };
}
