// The bench's volume: a deterministic image of 4 MiB regions (40% pseudo-random, 30% zero runs,
// 30% text-like, in a shuffled order) and a copy of it with 1% changed in scattered 64 KiB regions.
//   node tooling/bench/workload.mjs <dir> [--size 1G]
// The bytes come from AES-256-CTR keystreams (node:crypto), so a 1 GiB image takes seconds.
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

export const REGION_BYTES = 4 << 20;
export const CHANGE_BYTES = 64 << 10;
const CHANGED_FRACTION = 0.01;
const MIB = 1 << 20;

/**
 * Parses a size such as `1G`, `1GiB`, `128M`, `512MiB` or a bare number (MiB) into bytes.
 * Whole MiB only, so regions and changed blocks stay aligned.
 */
export function parseSize(text) {
  const m = /^(\d+)\s*(m|mib|mb|g|gib|gb)?$/i.exec(String(text).trim());
  if (!m) throw new Error(`bad size ${JSON.stringify(text)}: use e.g. 128M, 1G, 4GiB`);
  const unit = (m[2] ?? 'm').toLowerCase().startsWith('g') ? 1024 : 1;
  const mib = Number(m[1]) * unit;
  if (mib < 1) throw new Error('size must be at least 1 MiB');
  return mib * MIB;
}

/** A seekless pseudo-random byte stream: the AES-256-CTR keystream of a key derived from `seed`. */
export function keystream(seed) {
  const key = createHash('sha256').update(`volback-bench:${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  let zeros = Buffer.alloc(0);
  return (length) => {
    if (zeros.length < length) zeros = Buffer.alloc(length);
    return cipher.update(zeros.subarray(0, length));
  };
}

/** Uniform-enough integers in [0, n) from a keystream (n is far below 2^32, so modulo bias is negligible). */
function intsFrom(stream) {
  let pool = Buffer.alloc(0);
  let at = 0;
  return (n) => {
    if (at + 4 > pool.length) {
      pool = stream(64 << 10);
      at = 0;
    }
    const v = pool.readUInt32LE(at);
    at += 4;
    return v % n;
  };
}

/** The kind of each region in file order: exact 40/30/30 proportions, shuffled deterministically. */
export function regionKinds(regionCount, nextInt) {
  const random = Math.round(regionCount * 0.4);
  const zero = Math.round(regionCount * 0.3);
  const kinds = Array.from({ length: regionCount }, (_, i) => (i < random ? 'random' : i < random + zero ? 'zero' : 'text'));
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = nextInt(i + 1);
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  return kinds;
}

/** Offsets of the distinct 64 KiB blocks the changed copy rewrites, ascending. */
export function changedOffsets(size, nextInt) {
  const slots = Math.floor(size / CHANGE_BYTES);
  const count = Math.max(1, Math.round((size * CHANGED_FRACTION) / CHANGE_BYTES));
  const picked = new Set();
  while (picked.size < Math.min(count, slots)) picked.add(nextInt(slots));
  return [...picked].sort((a, b) => a - b).map((slot) => slot * CHANGE_BYTES);
}

// 64 words in 4 spellings = 256 tokens, one per random byte: roughly the entropy of prose.
const WORDS = (
  'the of and to in is that for it as with was on be by this are from at or an have not which but ' +
  'volume backup block restore object chunk data disk server storage system file time new one all ' +
  'can will more has their when there been would about into other some than only its these after ' +
  'first also two state service'
).split(' ');
const TOKENS = WORDS.flatMap((w) => [w, w[0].toUpperCase() + w.slice(1), `${w},`, `${w}.`]).map((t) => Buffer.from(t));

/** A text-like region: tokens picked by a keystream, separated by spaces, a newline every ~12 words. */
function textRegion(stream, length) {
  const out = Buffer.allocUnsafe(length);
  const picks = stream(Math.ceil(length / 2));
  let at = 0;
  for (let i = 0; at < length; i++) {
    const token = TOKENS[picks[i % picks.length]];
    const n = Math.min(token.length, length - at);
    for (let k = 0; k < n; k++) out[at + k] = token[k];
    at += n;
    if (at < length) out[at++] = (picks[(i + 7) % picks.length] & 15) === 0 ? 0x0a : 0x20;
  }
  return out;
}

/**
 * Writes `volume.img` and `volume-changed.img` of `sizeBytes` into `dir`, fsynced, and returns
 * their description (paths, layout and the SHA-256 of both images, for checking restores).
 */
export function generateWorkload(dir, sizeBytes, { changedCopy = true } = {}) {
  const started = process.hrtime.bigint();
  const layout = intsFrom(keystream(`layout:${sizeBytes}`));
  const regionCount = Math.ceil(sizeBytes / REGION_BYTES);
  const kinds = regionKinds(regionCount, layout);
  const changes = changedCopy ? changedOffsets(sizeBytes, layout) : [];
  const data = keystream(`data:${sizeBytes}`);
  const changeData = keystream(`change:${sizeBytes}`);

  const image = join(dir, 'volume.img');
  const changed = join(dir, 'volume-changed.img');
  const imageFd = openSync(image, 'w');
  const changedFd = changedCopy ? openSync(changed, 'w') : -1;
  const imageHash = createHash('sha256');
  const changedHash = createHash('sha256');
  const zero = Buffer.alloc(REGION_BYTES);
  let nextChange = 0;
  try {
    for (let r = 0; r < regionCount; r++) {
      const at = r * REGION_BYTES;
      const length = Math.min(REGION_BYTES, sizeBytes - at);
      const kind = kinds[r];
      const region = kind === 'random' ? data(length) : kind === 'zero' ? zero.subarray(0, length) : textRegion(data, length);
      writeAll(imageFd, region, at);
      imageHash.update(region);
      if (!changedCopy) continue;
      let copy = region;
      while (nextChange < changes.length && changes[nextChange] < at + length) {
        if (copy === region) copy = Buffer.from(region);
        const offset = changes[nextChange++] - at;
        changeData(CHANGE_BYTES).copy(copy, offset, 0, Math.min(CHANGE_BYTES, length - offset));
      }
      writeAll(changedFd, copy, at);
      changedHash.update(copy);
    }
    fsyncSync(imageFd);
    if (changedCopy) fsyncSync(changedFd);
  } finally {
    closeSync(imageFd);
    if (changedCopy) closeSync(changedFd);
  }
  const counts = Object.fromEntries(['random', 'zero', 'text'].map((k) => [k, kinds.filter((x) => x === k).length]));
  return {
    sizeBytes,
    image,
    imageSha256: imageHash.digest('hex'),
    changed: changedCopy ? changed : null,
    changedSha256: changedCopy ? changedHash.digest('hex') : null,
    regions: { bytes: REGION_BYTES, ...counts },
    changes: { count: changes.length, bytes: CHANGE_BYTES },
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

function writeAll(fd, buf, position) {
  for (let done = 0; done < buf.length; ) done += writeSync(fd, buf, done, buf.length - done, position + done);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { size: { type: 'string', default: '1G' } } });
  if (positionals.length !== 1) {
    console.error('usage: node tooling/bench/workload.mjs <dir> [--size 1G]');
    process.exit(2);
  }
  const w = generateWorkload(positionals[0], parseSize(values.size));
  console.log(JSON.stringify(w, null, 2));
}
