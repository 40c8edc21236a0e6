// Writes a deterministic demo volume image, or changes a few scattered regions of one.
//   node make-image.mjs <file> <MiB>      new image: 40% random, 30% zeros, 30% text, in 4 MiB regions
//   node make-image.mjs --mutate <file>   overwrite 1% of the image in scattered 64 KiB regions
import { openSync, writeSync, fstatSync, closeSync } from 'node:fs';
import { createHash } from 'node:crypto';

function prng(seed) {
  let state = createHash('sha256').update(String(seed)).digest();
  let counter = 0;
  return (length) => {
    const out = Buffer.allocUnsafe(length);
    for (let at = 0; at < length; at += 32) {
      state = createHash('sha256').update(state).update(String(counter++)).digest();
      state.copy(out, at, 0, Math.min(32, length - at));
    }
    return out;
  };
}

const REGION = 4 << 20;
const words = 'volume backup cinder chunk object restore block zero metadata incremental'.split(' ');

function textRegion(rand, length) {
  const picks = rand(length);
  let s = '';
  for (let i = 0; s.length < length; i++) s += words[picks[i % length] % words.length] + (i % 12 === 11 ? '\n' : ' ');
  return Buffer.from(s.slice(0, length));
}

const args = process.argv.slice(2);
if (args[0] === '--mutate') {
  const fd = openSync(args[1], 'r+');
  const size = fstatSync(fd).size;
  const rand = prng(`mutate:${size}`);
  const regions = Math.max(1, Math.floor((size * 0.01) / 65536));
  const picks = rand(regions * 4);
  for (let i = 0; i < regions; i++) {
    const at = (picks.readUInt32LE(i * 4) % Math.floor(size / 65536)) * 65536;
    writeSync(fd, rand(65536), 0, 65536, at);
  }
  closeSync(fd);
} else {
  const [file, mib] = args;
  const size = Number(mib) * 1024 * 1024;
  const rand = prng(`image:${size}`);
  const fd = openSync(file, 'w');
  for (let at = 0, i = 0; at < size; at += REGION, i++) {
    const len = Math.min(REGION, size - at);
    const kind = i % 10; // 0-3 random, 4-6 zeros, 7-9 text
    const buf = kind < 4 ? rand(len) : kind < 7 ? Buffer.alloc(len) : textRegion(rand, len);
    writeSync(fd, buf, 0, len, at);
  }
  closeSync(fd);
}
