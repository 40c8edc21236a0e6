import type { ObjectEntry } from './backup-metadata.js';
import { objectEntryOf } from './object-entry.js';

/**
 * A fast reader for the object list of `_metadata`, the one part of it that grows with the
 * volume (~33 MB of JSON for 1 TiB in 8 MiB objects). JSON.parse reads each entry as an object
 * whose only key is a name never seen before, then each is checked and copied: 0.9-1.4 s for
 * 1 TiB's list here. This reads the entries straight into ObjectEntry values, checked as that
 * path checks them, in about the time JSON.parse alone takes, and with less garbage.
 *
 * Every function here answers null for anything outside the plain shape Cinder writes (a value
 * that is not a string, number or literal inside an entry, an entry with a second key, a field
 * that would fail a check): the caller then takes the JSON.parse path, whose errors name the
 * fault. So the fast path only ever accepts what that path accepts, with the same result.
 */

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
/** An entry's fields, as JSON keys with their quotes; their first letters differ. */
const FIELD_KEYS = ['"compression"', '"offset"', '"length"', '"md5"'];
const FIELD_BY_LETTER = new Map(FIELD_KEYS.map((k, f) => [k.charCodeAt(1), f]));

/** Which of FIELD_KEYS is written at `i` as is, or -1. */
function fieldAt(text: string, i: number): number {
  const f = FIELD_BY_LETTER.get(text.charCodeAt(i + 1));
  return f !== undefined && text.startsWith(FIELD_KEYS[f] as string, i) ? f : -1;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipWs(text: string, i: number): number {
  while (isWs(text.charCodeAt(i))) i++;
  return i;
}

/** The end (after the closing quote) of the string at `i` and whether it holds escapes, or null when it is not JSON text. */
function stringEnd(text: string, i: number): { end: number; escaped: boolean } | null {
  if (text.charCodeAt(i) !== 0x22) return null;
  let escaped = false;
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x22) return { end: j + 1, escaped };
    if (c === 0x5c) {
      escaped = true;
      j++;
    } else if (c < 0x20) {
      return null;
    }
  }
  return null;
}

/** The string value at `i` and where it ends, or null. */
function readString(text: string, i: number): { value: string; end: number } | null {
  const s = stringEnd(text, i);
  if (!s) return null;
  if (!s.escaped) return { value: text.slice(i + 1, s.end - 1), end: s.end };
  try {
    return { value: JSON.parse(text.slice(i, s.end)) as string, end: s.end };
  } catch {
    return null;
  }
}

/** A string, number, true, false or null at `i`, and where it ends; null for anything else. */
function readScalar(text: string, i: number): { value: unknown; end: number } | null {
  const c = text.charCodeAt(i);
  if (c === 0x22) return readString(text, i);
  if (c === 0x6e) return text.startsWith('null', i) ? { value: null, end: i + 4 } : null;
  if (c === 0x74) return text.startsWith('true', i) ? { value: true, end: i + 4 } : null;
  if (c === 0x66) return text.startsWith('false', i) ? { value: false, end: i + 5 } : null;
  NUMBER.lastIndex = i;
  const m = NUMBER.exec(text);
  return m ? { value: Number(m[0]), end: i + m[0].length } : null;
}

/** The index after the JSON value at `i` (any kind, not checked: JSON.parse checks it later), or -1. */
function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x22) return stringEnd(text, i)?.end ?? -1;
  if (c !== 0x7b && c !== 0x5b) {
    let j = i;
    for (let d = text.charCodeAt(j); j < text.length && !isWs(d) && d !== 0x2c && d !== 0x5d && d !== 0x7d; d = text.charCodeAt(++j));
    return j > i ? j : -1;
  }
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const d = text.charCodeAt(j);
    if (d === 0x22) {
      const s = stringEnd(text, j);
      if (!s) return -1;
      j = s.end - 1;
    } else if (d === 0x7b || d === 0x5b) {
      depth++;
    } else if (d === 0x7d || d === 0x5d) {
      if (--depth === 0) return j + 1;
    }
  }
  return -1;
}

/**
 * The object list of a `_metadata` text and where its value lies, so that JSON.parse can read the
 * rest without it; null when the text is not in the plain shape. Of repeated "objects" keys the
 * last counts, as in JSON.parse. Other members are only stepped over: JSON.parse checks them.
 */
export function scanMetadataObjects(text: string): { entries: ObjectEntry[]; start: number; end: number } | null {
  let i = skipWs(text, 0);
  if (text.charCodeAt(i) !== 0x7b) return null;
  i = skipWs(text, i + 1);
  let found: { entries: ObjectEntry[]; start: number; end: number } | null = null;
  while (text.charCodeAt(i) === 0x22) {
    const name = readString(text, i);
    if (!name) return null;
    i = skipWs(text, name.end);
    if (text.charCodeAt(i) !== 0x3a) return null;
    const start = skipWs(text, i + 1);
    let end: number;
    if (name.value === 'objects') {
      const list = scanObjectList(text, start);
      if (!list) return null;
      found = { entries: list.entries, start, end: list.end };
      end = list.end;
    } else {
      end = skipValue(text, start);
      if (end < 0) return null;
    }
    i = skipWs(text, end);
    if (text.charCodeAt(i) !== 0x2c) break;
    i = skipWs(text, i + 1);
  }
  return text.charCodeAt(i) === 0x7d ? found : null;
}

/**
 * The entries of the object list starting at `text[start]` (`[{"<name>": {"compression": …,
 * "length": …, "md5": …, "offset": …}}, …]`) and the index after it, or null when it is not in
 * that plain shape or an entry would fail a check.
 */
function scanObjectList(text: string, start: number): { entries: ObjectEntry[]; end: number } | null {
  const entries: ObjectEntry[] = [];
  if (text.charCodeAt(start) !== 0x5b) return null;
  let i = skipWs(text, start + 1);
  if (text.charCodeAt(i) === 0x5d) return { entries, end: i + 1 };
  for (;;) {
    if (text.charCodeAt(i) !== 0x7b) return null;
    const name = readString(text, skipWs(text, i + 1));
    if (!name) return null;
    i = skipWs(text, name.end);
    if (text.charCodeAt(i) !== 0x3a) return null;
    i = skipWs(text, i + 1);
    if (text.charCodeAt(i) !== 0x7b) return null;
    i = skipWs(text, i + 1);
    // The fields, the last of repeated ones counting, as in JSON.parse; others are ignored.
    let compression: unknown;
    let offset: unknown;
    let length: unknown;
    let md5: unknown;
    if (text.charCodeAt(i) !== 0x7d) {
      for (;;) {
        // The four fields are matched in place; any other key is read, and may spell one of them with escapes.
        let field = fieldAt(text, i);
        if (field >= 0) {
          i = skipWs(text, i + (FIELD_KEYS[field] as string).length);
        } else {
          const key = readString(text, i);
          if (!key) return null;
          field = FIELD_KEYS.indexOf(JSON.stringify(key.value));
          i = skipWs(text, key.end);
        }
        if (text.charCodeAt(i) !== 0x3a) return null;
        const value = readScalar(text, skipWs(text, i + 1));
        if (!value) return null;
        if (field === 0) compression = value.value;
        else if (field === 1) offset = value.value;
        else if (field === 2) length = value.value;
        else if (field === 3) md5 = value.value;
        i = skipWs(text, value.end);
        if (text.charCodeAt(i) === 0x2c) {
          i = skipWs(text, i + 1);
          continue;
        }
        if (text.charCodeAt(i) === 0x7d) break;
        return null;
      }
    }
    // The body's closing brace, then the entry's: an entry holds exactly one key.
    i = skipWs(text, i + 1);
    if (text.charCodeAt(i) !== 0x7d) return null;
    const entry = objectEntryOf(name.value, compression, offset, length, md5);
    if (typeof entry === 'string') return null;
    entries.push(entry);
    i = skipWs(text, i + 1);
    if (text.charCodeAt(i) === 0x2c) {
      i = skipWs(text, i + 1);
      continue;
    }
    return text.charCodeAt(i) === 0x5d ? { entries, end: i + 1 } : null;
  }
}
