import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { codecFor } from '../src/codecs/index.js';
import { hashBlocks } from '../src/engine/hashing/block-hashes.js';
import { processChunk } from '../src/engine/workers/cpu-tasks.js';
import { Sha256Digests } from '../src/format/sha256-digests.js';

const KiB = 1024;

function textLike(length: number, seed: number): Uint8Array {
  const words = ['volume', 'block', 'chunk', 'cinder', 'backup', 'restore', String(seed)];
  let text = '';
  for (let i = 0; text.length < length; i++) text += `${words[(i * 7 + seed) % words.length]} ${i % 97} `;
  return new TextEncoder().encode(text.slice(0, length));
}

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

describe('processChunk', () => {
  it.each(['zstd', 'zlib'])('%s: packs the compressed changed runs one after another in the scratch', async (codec) => {
    const B = 4 * KiB;
    const data = textLike(16 * B, 1);
    const parent = hashBlocks(data, B);
    // Blocks 2-3 and 9 changed since the parent.
    for (const i of [2, 3, 9]) parent[i] = 'f'.repeat(64);
    const scratch = new Uint8Array(data.length);
    const parentHashes = Sha256Digests.fromHex(parent)?.bytes ?? null;
    const result = await processChunk({ data, scratch, blockSize: B, parentHashes, codecTag: codec, compressionTag: codec, level: 1 });

    expect(result.objects.map((o) => [o.start, o.end])).toEqual([
      [2 * B, 4 * B],
      [9 * B, 10 * B],
    ]);
    let end = 0;
    for (const o of result.objects) {
      const stored = o.stored as Uint8Array;
      expect(o.tag).toBe(codec);
      expect(stored.buffer).toBe(scratch.buffer);
      expect(stored.byteOffset).toBe(scratch.byteOffset + end);
      end += stored.length;
      const bytes = data.subarray(o.start, o.end);
      expect(md5(await codecFor(codec).decompress(stored, bytes.length))).toBe(md5(bytes));
      expect(o.md5).toBe(md5(bytes));
    }
  });

  it('keeps what does not shrink raw, tagged none, with no stored bytes', async () => {
    const noise = new Uint8Array(32 * KiB);
    for (let i = 0; i < noise.length; i += 64) noise.set(createHash('sha512').update(String(i)).digest(), i);
    const scratch = new Uint8Array(noise.length);
    const result = await processChunk({
      data: noise,
      scratch,
      blockSize: 8 * KiB,
      parentHashes: null,
      codecTag: 'zstd',
      compressionTag: 'zstd',
      level: 1,
    });
    expect(result.objects).toHaveLength(1);
    expect(result.objects[0]?.tag).toBe('none');
    expect(result.objects[0]?.stored).toBeUndefined();
  });

  it('skips compressing a large object whose samples do not shrink, and compresses one whose sample does', async () => {
    const size = 2 * 1024 * KiB;
    const noise = (n: number) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i += 64)
        out.set(
          createHash('sha512')
            .update(`n${i}`)
            .digest()
            .subarray(0, Math.min(64, n - i)),
          i,
        );
      return out;
    };
    const run = (data: Uint8Array) =>
      processChunk({
        data,
        scratch: new Uint8Array(data.length),
        blockSize: 32 * KiB,
        parentHashes: null,
        codecTag: 'zstd',
        compressionTag: 'zstd',
        level: 1,
      });
    // Text where the eighth sample is taken (at 7/8 of the object): worth compressing.
    const sampled = noise(size);
    sampled.set(textLike(64 * KiB, 3), (size / 8) * 7);
    expect((await run(sampled)).objects[0]?.tag).toBe('zstd');
    // The same text between two samples: no sample shrinks, so the object is stored raw (the
    // heuristic's price: a little compression lost on such mixed objects).
    const unsampled = noise(size);
    unsampled.set(textLike(64 * KiB, 3), size / 16);
    expect((await run(unsampled)).objects[0]?.tag).toBe('none');
  });
});
