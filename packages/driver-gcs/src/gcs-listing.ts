import type { Bucket } from '@google-cloud/storage';
import type { ListPage, ListQuery } from '@volback/core/driver';
import { gcsErrors } from './gcs-errors.js';

/** The part of a JSON API objects.list answer that volback reads. */
interface ObjectsListAnswer {
  items?: { name?: string }[];
  prefixes?: string[];
  nextPageToken?: string;
}

/**
 * One page of `bucket`'s names for `query`. `startAfter` becomes GCS's `startOffset`, which
 * includes the name itself, so names up to it are dropped here; a server that ignores
 * `startOffset` (the emulator) costs pages, never names: pages with nothing past `startAfter`
 * are read on until one has.
 */
export async function listObjectsPage(bucket: Bucket, query: ListQuery, pageSize: number): Promise<ListPage> {
  const { prefix, delimiter, startAfter } = query;
  let cursor = query.cursor;
  // Core stops a listing whose cursors go round; the pages read here on its behalf need the same.
  const seen = new Set<string>();
  for (;;) {
    const [, , answer] = await bucket.getFiles({
      autoPaginate: false,
      prefix,
      maxResults: pageSize,
      ...(delimiter === undefined ? {} : { delimiter }),
      ...(startAfter === undefined ? {} : { startOffset: startAfter }),
      ...(cursor === undefined ? {} : { pageToken: cursor }),
      fields: 'items(name),prefixes,nextPageToken',
    });
    const page = (answer ?? {}) as ObjectsListAnswer;
    const all = (page.items ?? []).flatMap((o) => (typeof o.name === 'string' ? [o.name] : []));
    const names = startAfter === undefined ? all : all.filter((n) => n > startAfter);
    const prefixes = page.prefixes ?? [];
    const next = page.nextPageToken || undefined;
    if (names.length > 0 || prefixes.length > 0 || next === undefined) return { names, prefixes, ...(next === undefined ? {} : { next }) };
    if (seen.has(next))
      throw gcsErrors.backend(`LIST ${bucket.name}/${prefix}: the listing handed back a page token it had already given`, false);
    seen.add(next);
    cursor = next;
  }
}
