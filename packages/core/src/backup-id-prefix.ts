import type { NamedBackup } from './backup-objects.js';
import { ConfigError } from './errors.js';
import { previewOf } from './ids.js';

/**
 * Backup ids abbreviated as git abbreviates commits: any prefix that names one backup of the
 * store stands for it. An exact id always wins, so a backup named `nightly` is never shadowed
 * by `nightly-2`.
 */

/**
 * Characters a prefix needs before it is looked up as one. Shorter strings are only ever exact
 * ids. Four, as git: among UUIDs, 4 hex digits (65 536 values) rarely match two backups of one
 * store, while 1 to 3 match by chance too often to be worth a listing; and a prefix is accepted
 * only when unique, so a short one fails (listing the candidates) instead of picking one.
 */
export const MIN_ID_PREFIX_CHARS = 4;

/** The ids among `ids` that `given` stands for: itself if it is one, else those it begins (from {@link MIN_ID_PREFIX_CHARS}). */
export function idsMatching(given: string, ids: Iterable<string>): string[] {
  const all = [...new Set(ids)];
  if (all.includes(given)) return [given];
  if ([...given].length < MIN_ID_PREFIX_CHARS) return [];
  return all.filter((id) => id.startsWith(given)).sort();
}

/**
 * For each of `ids`, the shortest prefix, at least `minChars` characters (or the whole id), that
 * {@link idsMatching} resolves to that id alone among `ids`. In sorted order the id sharing the
 * longest prefix with an id is one of its two neighbours, so one sort does it for all: a listing
 * of many backups is not compared pair by pair.
 */
export function uniqueIdPrefixes(ids: Iterable<string>, minChars = 8): Map<string, string> {
  // By code point, as the prefixes count characters: any lexicographic order keeps the neighbours.
  const sorted = [...new Set(ids)].map((id) => [...id]).sort(byCodePoints);
  const shared = (a: string[] | undefined, b: string[]): number => {
    let n = 0;
    while (a && n < a.length && n < b.length && a[n] === b[n]) n++;
    return n;
  };
  const out = new Map<string, string>();
  sorted.forEach((chars, i) => {
    const needed = Math.max(shared(sorted[i - 1], chars), shared(sorted[i + 1], chars)) + 1;
    const n = Math.max(needed, minChars, MIN_ID_PREFIX_CHARS);
    out.set(chars.join(''), n < chars.length ? chars.slice(0, n).join('') : chars.join(''));
  });
  return out;
}

function byCodePoints(a: string[], b: string[]): number {
  for (let i = 0; i < a.length && i < b.length; i++) {
    const d = (a[i] as string).codePointAt(0)! - (b[i] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/**
 * A backup id prefix that begins the ids of more than one backup of the store. A ConfigError
 * (code `E_CONFIG`: what was given cannot be used as given) naming the `field` it came from.
 */
export class AmbiguousBackupIdError extends ConfigError {
  /** The prefix that was given. */
  readonly given: string;
  /** The backups it could stand for, by id, as their names give them. */
  readonly candidates: readonly NamedBackup[];

  constructor(given: string, candidates: readonly NamedBackup[], field = 'backupId') {
    const named = candidates.slice(0, 10).map((c) => previewOf(c.id));
    const more = candidates.length > named.length ? `, and ${candidates.length - named.length} more` : '';
    super(
      `backup id prefix ${previewOf(given)} is ambiguous: it begins the ids of ${candidates.length} backups (${named.join(', ')}${more})`,
      field,
    );
    this.given = given;
    this.candidates = candidates;
  }
}
