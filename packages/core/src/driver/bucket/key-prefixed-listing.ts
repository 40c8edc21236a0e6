import type { ListPage, ListQuery } from '../store-definition.js';
import type { BucketListing } from './metadata-walk.js';

/**
 * `whole`, a listing in whole keys, seen from below `keyPrefix`: queries get the prefix put
 * before their `prefix` and `startAfter`, pages have it taken off their names and common
 * prefixes, and a name outside the asked prefix (a looser server), or the key prefix itself, is left out.
 */
export function keyPrefixedListing(keyPrefix: string, whole: BucketListing): BucketListing {
  const toWhole = (query: ListQuery): ListQuery => ({
    ...query,
    prefix: keyPrefix + query.prefix,
    ...(query.startAfter === undefined ? {} : { startAfter: keyPrefix + query.startAfter }),
  });
  const fromWhole = (query: ListQuery, page: ListPage): ListPage => {
    const asked = keyPrefix + query.prefix;
    const relative = (keys: readonly string[]): string[] =>
      keys.filter((k) => k.startsWith(asked) && k !== keyPrefix).map((k) => k.slice(keyPrefix.length));
    return {
      names: relative(page.names),
      prefixes: relative(page.prefixes ?? []),
      ...(page.next === undefined ? {} : { next: page.next }),
    };
  };
  return {
    page: async (query) => fromWhole(query, await whole.page(toWhole(query))),
    each: (query, onPage) => whole.each(toWhole(query), (page) => onPage(fromWhole(query, page))),
  };
}
