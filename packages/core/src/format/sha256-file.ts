import { InvalidBackupError } from '../errors.js';
import { headerDocument, parseJsonObject, type BackupFileHeader } from './backup-metadata.js';
import { pythonJsonDumps } from './python-json.js';
import { SHA256_DIGEST_BYTES, Sha256Digests } from './sha256-digests.js';

/** The content of `P_sha256file` (cinder-format.md §6). */
export interface Sha256File extends BackupFileHeader {
  /** The hash block size (Cinder calls it chunk_size). */
  blockSize: number;
  /** SHA-256 of every block of the whole volume, the last one partial. */
  sha256s: Sha256Digests;
}

/** Serialises `_sha256file` exactly as Cinder does. */
export function encodeSha256File(file: Sha256File): Uint8Array {
  const layout = layoutSha256File(file, file.blockSize, file.sha256s.length);
  fillSha256Digests(layout, 0, file.sha256s.toHex());
  return layout.bytes;
}

const LIST_KEY = '\n  "sha256s": []';
const ITEM_PREFIX = '\n    "';
/** Bytes from one hex digest to the next: `",\n    "` and the 64 digits. */
export const SHA256_LIST_STRIDE = 64 + 1 + 1 + ITEM_PREFIX.length;

/**
 * A `_sha256file` laid out before its hashes are known: every byte but the hex digests, which
 * go at `firstDigestAt + i * SHA256_LIST_STRIDE`. Byte for byte what Python's
 * json.dumps(sort_keys=True, indent=2) gives once they are filled in, as Cinder writes it.
 */
export interface Sha256FileLayout {
  bytes: Uint8Array;
  firstDigestAt: number;
  /** How many digests it has room for. */
  count: number;
}

/**
 * Lays out `_sha256file` for `count` hashes in memory from `allocate` (shared memory lets worker
 * threads fill in the digests where they compute them). The list is most of the file, ~2.4 MB
 * per GiB of volume: building it from strings at the end made a 4 GiB backup's peak RSS ~40 MiB
 * higher than a 1 GiB one's.
 */
export function layoutSha256File(
  header: BackupFileHeader,
  blockSize: number,
  count: number,
  allocate: (length: number) => Uint8Array = (n) => new Uint8Array(n),
): Sha256FileLayout {
  const text = pythonJsonDumps({ ...headerDocument(header), chunk_size: blockSize, sha256s: [] }, { sortKeys: true, indent: 2 });
  // Only the key itself can appear unescaped: quotes inside string values are escaped.
  const at = text.indexOf(LIST_KEY) + LIST_KEY.length - 2;
  if (count === 0) {
    const bytes = allocate(text.length);
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).write(text, 'latin1');
    return { bytes, firstDigestAt: bytes.length, count: 0 };
  }
  const head = text.slice(0, at + 1); // up to and including '['
  const tail = '\n  ]' + text.slice(at + 2);
  const bytes = allocate(head.length + ITEM_PREFIX.length + 65 + (count - 1) * SHA256_LIST_STRIDE + tail.length);
  const out = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const first = out.write(head, 0, 'latin1');
  // One item, then the items so far copied after themselves until all are there: a write per
  // item took ~25 ms for a 1 GiB volume's 32768, at the start of every backup.
  let end = first + out.write(ITEM_PREFIX, first, 'latin1') + 64;
  out[end++] = 0x22; // '"'
  out[end++] = 0x2c; // ',' (the last one is overwritten by the tail)
  const listEnd = first + count * SHA256_LIST_STRIDE;
  while (end < listEnd) {
    const n = Math.min(end - first, listEnd - end);
    out.copyWithin(end, first, first + n);
    end += n;
  }
  out.write(tail, listEnd - 1, 'latin1');
  return { bytes, firstDigestAt: head.length + ITEM_PREFIX.length, count };
}

/** Writes lowercase hex digests (64 characters each) for hashes `first`, `first + 1`, ... */
export function fillSha256Digests(layout: Sha256FileLayout, first: number, hexDigests: readonly string[]): void {
  const out = Buffer.from(layout.bytes.buffer, layout.bytes.byteOffset, layout.bytes.length);
  for (let k = 0; k < hexDigests.length; k++) {
    const at = layout.firstDigestAt + (first + k) * SHA256_LIST_STRIDE;
    const digest = hexDigests[k] as string;
    if (digest.length !== 64 || first + k >= layout.count) {
      throw new RangeError(`fillSha256Digests: hash ${first + k} is not 64 characters or does not fit the layout`);
    }
    out.write(digest, at, 64, 'latin1');
  }
}

/** Parses `_sha256file`; only `chunk_size` and `sha256s` are required, as in Cinder. */
export function parseSha256File(bytes: Uint8Array, objectName: string): Sha256File {
  const canonical = splitCanonicalList(bytes);
  const doc = parseJsonObject(canonical ? canonical.rest : bytes, objectName);
  const blockSize = doc.chunk_size;
  if (typeof blockSize !== 'number' || !Number.isSafeInteger(blockSize) || blockSize <= 0) {
    throw new InvalidBackupError(`${objectName} has no valid "chunk_size"`);
  }
  const list = doc.sha256s;
  let sha256s: Sha256Digests | null = null;
  if (canonical && Array.isArray(list) && list.length === 0) sha256s = canonical.digests;
  else if (Array.isArray(list)) sha256s = Sha256Digests.fromHex(list);
  if (!sha256s) throw new InvalidBackupError(`${objectName} has no valid "sha256s" list`);
  const str = (k: string): string | null => (typeof doc[k] === 'string' ? (doc[k] as string) : null);
  return {
    version: str('version') ?? '',
    backupId: str('backup_id') ?? '',
    volumeId: str('volume_id') ?? '',
    backupName: str('backup_name'),
    backupDescription: str('backup_description'),
    createdAt: str('created_at') ?? '',
    blockSize,
    sha256s,
  };
}

const LIST_OPEN = '\n  "sha256s": [';
const LIST_CLOSE = '\n  ]';
const ITEM_BYTES = ITEM_PREFIX.length + 64 + 1; // `\n    "`, the digits, `"`
/** Hashes decoded at a time (~1.2 MB of the list). */
const CANONICAL_PIECE = 16384;

/**
 * The list of a file in the layout Cinder writes (json.dumps with indent=2), decoded without a
 * string per hash, and the file with the list emptied, for JSON.parse to read the rest. Null
 * when the list is laid out otherwise or holds anything but hex digits: the caller then parses
 * the whole file, which judges it. The key at two spaces' indent can only be a top-level key,
 * and the caller checks that JSON.parse sees it as the (empty) list.
 */
function splitCanonicalList(bytes: Uint8Array): { rest: Uint8Array; digests: Sha256Digests } | null {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const open = buf.indexOf(LIST_OPEN, 0, 'latin1');
  if (open < 0) return null;
  const first = open + LIST_OPEN.length; // just past '['
  const close = buf.indexOf(LIST_CLOSE, first, 'latin1');
  if (close < 0 || close === first) return null;
  const count = (close - first + 1) / (ITEM_BYTES + 1);
  if (!Number.isInteger(count)) return null;
  // The digits of a piece of the list are squeezed together in a copy of it, then hex-decoded in
  // one call: a native call per hash (Buffer#copy) cost more than JSON.parse of the whole file.
  // Pieces keep the decoded string short: a 1 TiB volume's list is 2.4 GB, past any string.
  const packed = Buffer.alloc(count * SHA256_DIGEST_BYTES);
  const piece = new Uint8Array(Math.min(count, CANONICAL_PIECE) * (ITEM_BYTES + 1));
  for (let p = 0; p < count; p += CANONICAL_PIECE) {
    const n = Math.min(CANONICAL_PIECE, count - p);
    const from = first + p * (ITEM_BYTES + 1);
    piece.set(buf.subarray(from, Math.min(from + n * (ITEM_BYTES + 1), close)));
    for (let i = 0, at = 0; i < n; i++, at += ITEM_BYTES + 1) {
      if (piece[at] !== 0x0a || piece[at + ITEM_PREFIX.length - 1] !== 0x22 || piece[at + ITEM_BYTES - 1] !== 0x22) return null;
      if (p + i + 1 < count && piece[at + ITEM_BYTES] !== 0x2c) return null;
      for (let k = 1; k < ITEM_PREFIX.length - 1; k++) if (piece[at + k] !== 0x20) return null;
      piece.copyWithin(i * 64, at + ITEM_PREFIX.length, at + ITEM_PREFIX.length + 64);
    }
    // Hex decoding stops at the first pair that is not hex: a short result means a bad digit.
    const digits = Buffer.from(piece.buffer, 0, n * 64).toString('latin1');
    if (packed.write(digits, p * SHA256_DIGEST_BYTES, 'hex') !== n * SHA256_DIGEST_BYTES) return null;
  }
  return { rest: Buffer.concat([buf.subarray(0, first), buf.subarray(close)]), digests: new Sha256Digests(packed) };
}
