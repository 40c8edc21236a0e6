import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  codecFor,
  compressionFamilyOf,
  normalizeCompressionTag,
  parseZstdFrameHeader,
  zstdFrameContentSize,
  zstdFrameLength,
} from '../src/codecs/index.js';
import { zstdCodecOn } from '../src/codecs/zstd-codec.js';
import { IntegrityError, UnsupportedError } from '../src/errors.js';
import { FIXTURES_DIR } from './fixtures.js';
import { SeededRandom } from '../src/testing/test-data.js';

const KiB = 1024;
const MiB = 1024 * KiB;

function zeros(length: number): Uint8Array {
  return new Uint8Array(length);
}

/** The one seeded source of this file's noise: a failure reproduces. */
const noiseSource = new SeededRandom(0xc0dec);

function random(length: number): Uint8Array {
  return noiseSource.bytes(length);
}

/** Text, zeros and random bytes interleaved: compressible, but not trivially. */
function mixed(length: number): Uint8Array {
  const out = new Uint8Array(length);
  const text = new TextEncoder().encode('volume block 0123456789 lorem ipsum dolor sit amet; ');
  for (let pos = 0; pos < length; pos += 4 * KiB) {
    const kind = (pos / (4 * KiB)) % 3;
    const end = Math.min(pos + 4 * KiB, length);
    if (kind === 0) for (let i = pos; i < end; i++) out[i] = text[i % text.length] as number;
    else if (kind === 2) out.set(noiseSource.bytes(end - pos), pos);
  }
  return out;
}

/** Pseudo-random words from a small vocabulary: compresses well, better with more effort. */
function words(length: number): Uint8Array {
  const vocabulary = ['block', 'volume', 'backup', 'cinder', 'chunk', 'zero', 'object', 'restore', 'sha', 'md5'];
  const out = new Uint8Array(length);
  let seed = 12345;
  let pos = 0;
  while (pos < length) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const word = `${vocabulary[seed % vocabulary.length] as string}${(seed >>> 8) % 1000} `;
    for (let i = 0; i < word.length && pos < length; i++) out[pos++] = word.charCodeAt(i);
  }
  return out;
}

function md5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

function hex(data: Uint8Array, count: number): string {
  return Buffer.from(data.subarray(0, count)).toString('hex');
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** True when `command` runs here; the CLI cross-checks skip otherwise (CI may lack them). */
function hasCli(command: string): boolean {
  return spawnSync(command, ['--help'], { stdio: 'ignore' }).error === undefined;
}

function runCli(command: string, args: string[], input: Uint8Array): Uint8Array {
  const result = spawnSync(command, args, { input, maxBuffer: 64 * MiB });
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.toString()}`);
  return new Uint8Array(result.stdout);
}

async function roundTrip(tag: string, data: Uint8Array): Promise<Uint8Array> {
  const codec = codecFor(tag);
  const stored = await codec.compress(data);
  const back = await codec.decompress(stored, data.length);
  expect(back.length).toBe(data.length);
  expect(md5(back)).toBe(md5(data));
  return stored;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('compression tags', () => {
  it.each([
    ['none', 'none'],
    ['off', 'none'],
    ['no', 'none'],
    ['OFF', 'none'],
    ['No', 'none'],
    ['zlib', 'zlib'],
    ['ZLIB', 'zlib'],
    ['gzip', 'zlib'],
    ['Gzip', 'zlib'],
    ['bz2', 'bz2'],
    ['bzip2', 'bz2'],
    ['BZIP2', 'bz2'],
    ['Bz2', 'bz2'],
    ['zstd', 'zstd'],
    ['ZSTD', 'zstd'],
  ])('%s reads as %s', (tag, family) => {
    expect(codecFor(tag).family).toBe(family);
    expect(compressionFamilyOf(tag)).toBe(family);
  });

  it.each([
    ['ZLIB', 'zlib'],
    ['Gzip', 'gzip'],
    ['bz2', 'bz2'],
    ['BZIP2', 'bzip2'],
    ['Zstd', 'zstd'],
    ['off', 'none'],
    ['NO', 'none'],
    ['none', 'none'],
  ])('%s is written as %s', (tag, written) => {
    expect(normalizeCompressionTag(tag)).toBe(written);
  });

  it.each(['lz4', '', 'gz', 'zlib ', 'deflate', 'xz'])('unknown tag %j is E_UNSUPPORTED', (tag) => {
    for (const call of [() => codecFor(tag), () => normalizeCompressionTag(tag)]) {
      let caught: unknown;
      try {
        call();
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(UnsupportedError);
      expect((caught as UnsupportedError).code).toBe('E_UNSUPPORTED');
      expect((caught as Error).message).toBe(`unsupported compression algorithm: ${tag}`);
    }
  });
});

describe('round trips', () => {
  const tags = ['none', 'off', 'no', 'zlib', 'ZLIB', 'gzip', 'Gzip', 'bz2', 'bzip2', 'BZIP2', 'zstd', 'ZSTD'];
  const inputs: [string, Uint8Array][] = [
    ['empty', zeros(0)],
    ['1 byte', Uint8Array.of(0x5a)],
    ['64 KiB random', random(64 * KiB)],
    ['256 KiB zeros', zeros(256 * KiB)],
    ['300 KiB mixed', mixed(300 * KiB)],
  ];
  for (const tag of tags) {
    it.each(inputs)(`${tag}: %s`, async (_name, data) => {
      const stored = await roundTrip(tag, data);
      if (codecFor(tag).family === 'none') expect(stored).toBe(data);
    });
  }

  it.each(['zlib', 'zstd', 'none'])('%s: 8 MiB random, zero and mixed data', async (tag) => {
    for (const data of [random(8 * MiB), zeros(8 * MiB), mixed(8 * MiB)]) await roundTrip(tag, data);
  });

  // compressjs needs seconds per MiB of random data: keep bzip2's large inputs compressible.
  it('bz2: 8 MiB zero data and 2 MiB mixed data (several 900 kB blocks)', async () => {
    await roundTrip('bz2', zeros(8 * MiB));
    await roundTrip('bz2', mixed(2 * MiB));
  });

  it('compresses several objects in parallel and keeps each result apart', async () => {
    const objects = Array.from({ length: 8 }, (_, i) => mixed(512 * KiB + i * 1000));
    for (const tag of ['zlib', 'zstd']) {
      const codec = codecFor(tag);
      const stored = await Promise.all(objects.map((o) => codec.compress(o)));
      const back = await Promise.all(stored.map((s, i) => codec.decompress(s, (objects[i] as Uint8Array).length)));
      back.forEach((b, i) => expect(md5(b)).toBe(md5(objects[i] as Uint8Array)));
    }
  });
});

/** Cinder's own reader is Python's zlib and bz2 modules: decode our output with them when present. */
const PYTHON_DECOMPRESS =
  'import sys, zlib, bz2; data = sys.stdin.buffer.read(); ' +
  'sys.stdout.buffer.write({"zlib": zlib.decompress, "bz2": bz2.decompress}[sys.argv[1]](data))';

describe.skipIf(!hasCli('python3'))("Python (Cinder's reader) decodes what we write", () => {
  it.each([
    ['zlib', 'zlib'],
    ['gzip', 'zlib'],
    ['bz2', 'bz2'],
    ['bzip2', 'bz2'],
  ])('%s', async (tag, module) => {
    const data = mixed(1 * MiB);
    const stored = await codecFor(tag).compress(data);
    expect(md5(runCli('python3', ['-c', PYTHON_DECOMPRESS, module], stored))).toBe(md5(data));
  });
});

describe('zlib (tags zlib and gzip)', () => {
  const data = mixed(200 * KiB);

  it('writes a zlib stream (RFC 1950), level 6 by default, never gzip', async () => {
    for (const tag of ['zlib', 'gzip']) {
      const stored = await codecFor(tag).compress(data);
      expect(hex(stored, 2)).toBe('789c');
    }
  });

  it('refuses a level outside -1..9 with E_CONFIG naming the field', async () => {
    for (const level of [10, -2, 1.5]) {
      await expect(codecFor('zlib').compress(mixed(1000), level)).rejects.toMatchObject({ code: 'E_CONFIG', field: 'level' });
    }
  });

  it('honours the level', async () => {
    const fast = await codecFor('zlib').compress(data, 1);
    const best = await codecFor('zlib').compress(data, 9);
    expect(hex(fast, 2)).toBe('7801');
    expect(hex(best, 2)).toBe('78da');
    expect(md5(await codecFor('zlib').decompress(fast, data.length))).toBe(md5(data));
    expect(md5(await codecFor('zlib').decompress(best, data.length))).toBe(md5(data));
  });

  it('ignores trailing junk after the stream, as Python zlib.decompress does', async () => {
    const stored = await codecFor('zlib').compress(data);
    const back = await codecFor('zlib').decompress(concat(stored, new TextEncoder().encode('JUNK after the stream')), data.length);
    expect(md5(back)).toBe(md5(data));
  });

  it('restores only the first of two concatenated streams, as Cinder does', async () => {
    const other = mixed(10 * KiB).map((b) => b ^ 0xff);
    const first = await codecFor('zlib').compress(data);
    const second = await codecFor('zlib').compress(other);
    const back = await codecFor('zlib').decompress(concat(first, second), data.length);
    expect(md5(back)).toBe(md5(data));
  });

  it('rejects a truncated stream with IntegrityError', async () => {
    const stored = await codecFor('zlib').compress(data);
    const err = await rejection(codecFor('zlib').decompress(stored.subarray(0, stored.length - 10), data.length));
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).code).toBe('E_INTEGRITY');
  });

  it('rejects real gzip data (1f 8b) under tag gzip, as Cinder does, and says why', async () => {
    const gz = new Uint8Array(gzipSync(data));
    expect(hex(gz, 2)).toBe('1f8b');
    const err = await rejection(codecFor('gzip').decompress(gz, data.length));
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(/incorrect header check/);
    expect((err as Error).message).toMatch(/gzip format/);
  });

  it('rejects raw deflate without the zlib header', async () => {
    const err = await rejection(codecFor('zlib').decompress(new Uint8Array(deflateRawSync(data)), data.length));
    expect(err).toBeInstanceOf(IntegrityError);
  });

  it('compresses into a given buffer, shared memory too, the same bytes as compress, or says it does not fit', async () => {
    const zlib = codecFor('zlib');
    const compressInto = zlib.compressInto as NonNullable<typeof zlib.compressInto>;
    for (const level of [undefined, 1, 9]) {
      const whole = await zlib.compress(data, level);
      const out = new Uint8Array(new SharedArrayBuffer(data.length + 16)).subarray(8, 8 + data.length);
      const n = await compressInto(data, out, level);
      expect(n).toBe(whole.length);
      expect(md5(out.subarray(0, n as number))).toBe(md5(whole));
      expect(await compressInto(data, new Uint8Array(whole.length - 1), level)).toBeNull();
    }
    // Random bytes do not shrink: one byte short of the raw length, they do not fit.
    const noise = noiseSource.bytes(64 * KiB);
    expect(await compressInto(noise, new Uint8Array(noise.length - 1))).toBeNull();
    await expect(compressInto(data, new Uint8Array(data.length), 10)).rejects.toMatchObject({ code: 'E_CONFIG', field: 'level' });
  });

  it('decompresses into a given buffer, shared memory too, decoding exactly as decompress does', async () => {
    const zlib = codecFor('zlib');
    const into = (stored: Uint8Array, room: number): Promise<number> => {
      const out = new Uint8Array(new SharedArrayBuffer(room + 16)).subarray(8, 8 + room);
      return (zlib.decompressInto as NonNullable<typeof zlib.decompressInto>)(stored, out).then((n) => {
        expect(md5(out.subarray(0, n))).toBe(md5(data));
        return n;
      });
    };
    const stored = await zlib.compress(data);
    expect(await into(stored, data.length)).toBe(data.length);
    expect(await into(stored, data.length + 1000)).toBe(data.length);
    expect(await into(concat(stored, new TextEncoder().encode('JUNK after the stream')), data.length)).toBe(data.length);
    expect(await into(concat(stored, await zlib.compress(mixed(10 * KiB))), data.length)).toBe(data.length);

    const failures = [
      [stored, data.length - 1, /holds more than/],
      [stored.subarray(0, stored.length - 10), data.length, /unexpected end/],
      // Every byte of output is there; only the checksum is missing.
      [stored.subarray(0, stored.length - 4), data.length, /unexpected end/],
      [new Uint8Array(gzipSync(data)), data.length, /gzip format/],
      [new Uint8Array(deflateRawSync(data)), data.length, /header check/],
    ] as const;
    for (const [bad, room, message] of failures) {
      const err = await rejection(into(bad, room));
      expect(err).toBeInstanceOf(IntegrityError);
      expect((err as Error).message).toMatch(message);
    }
  });
});

describe('bzip2 (tags bz2 and bzip2)', () => {
  const data = mixed(100 * KiB);
  const other = random(3 * KiB);

  it('writes one stream at level 9 by default, and honours the level', async () => {
    const stored = await codecFor('bz2').compress(data);
    expect(new TextDecoder().decode(stored.subarray(0, 4))).toBe('BZh9');
    const level1 = await codecFor('bzip2').compress(data, 1);
    expect(new TextDecoder().decode(level1.subarray(0, 4))).toBe('BZh1');
    expect(md5(await codecFor('bz2').decompress(level1, data.length))).toBe(md5(data));
  });

  it('decodes multi-stream data (two concatenated streams) whole', async () => {
    const a = await codecFor('bz2').compress(data);
    const b = await codecFor('bz2').compress(other, 5);
    const back = await codecFor('bz2').decompress(concat(a, b), data.length + other.length);
    expect(md5(back)).toBe(md5(concat(data, other)));
  });

  it('ignores trailing junk after complete streams, as Python bz2.decompress does', async () => {
    const a = await codecFor('bz2').compress(data);
    const back = await codecFor('bz2').decompress(concat(a, new TextEncoder().encode('not bzip2 at all')), data.length);
    expect(md5(back)).toBe(md5(data));
  });

  it('rejects a truncated second stream, as Python does', async () => {
    const a = await codecFor('bz2').compress(data);
    const b = await codecFor('bz2').compress(other);
    const err = await rejection(codecFor('bz2').decompress(concat(a, b.subarray(0, b.length - 4)), data.length + other.length));
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(/end-of-stream/);
  });

  it('rejects data that is not bzip2, and truncated or corrupted streams, with IntegrityError', async () => {
    const stored = await codecFor('bz2').compress(data);
    const corrupted = stored.slice();
    const middle = Math.floor(corrupted.length / 2);
    corrupted[middle] = (corrupted[middle] as number) ^ 0x55;
    for (const bad of [new TextEncoder().encode('hello, not bzip2'), stored.subarray(0, stored.length - 20), corrupted]) {
      const err = await rejection(codecFor('bz2').decompress(bad, data.length));
      expect(err).toBeInstanceOf(IntegrityError);
    }
  });

  it.skipIf(!hasCli('bzip2'))('agrees with the bzip2 CLI both ways, multi-stream included', async () => {
    const ours = await codecFor('bz2').compress(data);
    expect(md5(runCli('bzip2', ['-dc'], ours))).toBe(md5(data));
    const theirs = concat(runCli('bzip2', ['-9c'], data), runCli('bzip2', ['-1c'], other));
    expect(md5(await codecFor('bzip2').decompress(theirs, data.length + other.length))).toBe(md5(concat(data, other)));
  });
});

// Every zstd behaviour on both backends: the WebAssembly fallback must be exactly as strict.
describe.each(['native', 'wasm'] as const)('zstd on the %s backend', (backend) => {
  const zstd = zstdCodecOn(backend);

  const sizes: [string, number][] = [
    ['empty', 0],
    ['1 byte', 1],
    ['64 KiB', 64 * KiB],
    ['5 MiB', 5 * MiB],
  ];

  it.each(sizes)('%s: exactly one frame, content size in the header, no checksum', async (_name, size) => {
    for (const data of [random(size), zeros(size), mixed(size)]) {
      const frame = await zstd.compress(data);
      expect(hex(frame, 4)).toBe('28b52ffd');
      expect(zstdFrameContentSize(frame)).toBe(size);
      expect(parseZstdFrameHeader(frame).hasChecksum).toBe(false);
      expect(zstdFrameLength(frame)).toBe(frame.length);
      expect(md5(await zstd.decompress(frame, size))).toBe(md5(data));
    }
  });

  it('honours the level, and every level still writes the content size', async () => {
    const data = words(2 * MiB);
    const fast = await zstd.compress(data, 1);
    const strong = await zstd.compress(data, 19);
    expect(strong.length).toBeLessThan(fast.length);
    for (const frame of [fast, strong]) {
      expect(zstdFrameContentSize(frame)).toBe(data.length);
      expect(zstdFrameLength(frame)).toBe(frame.length);
    }
  });

  it('decodes frames without a content size and several frames, as other tools write them', async () => {
    const { CompressStream } = await import('zstd-napi');
    const data = mixed(700 * KiB);
    const streamed = await new Promise<Uint8Array>((done, fail) => {
      const chunks: Buffer[] = [];
      const stream = new CompressStream({ compressionLevel: 3 });
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => done(new Uint8Array(Buffer.concat(chunks))));
      stream.on('error', fail);
      stream.end(data);
    });
    expect(zstdFrameContentSize(streamed)).toBeNull();
    expect(zstdFrameLength(streamed)).toBe(streamed.length);
    expect(md5(await zstd.decompress(streamed, data.length))).toBe(md5(data));

    const second = await zstd.compress(zeros(1000));
    const back = await zstd.decompress(concat(streamed, second), data.length + 1000);
    expect(md5(back)).toBe(md5(concat(data, zeros(1000))));
  });

  it('rejects truncated frames, trailing junk and non-zstd data with IntegrityError', async () => {
    const frame = await zstd.compress(mixed(300 * KiB));
    const bad = [
      frame.subarray(0, frame.length - 5),
      frame.subarray(0, 3),
      concat(frame, new TextEncoder().encode('junk')),
      new TextEncoder().encode('definitely not zstd'),
      zeros(0),
    ];
    for (const data of bad) {
      const err = await rejection(zstd.decompress(data, 300 * KiB));
      expect(err).toBeInstanceOf(IntegrityError);
    }
  });

  it('compresses into a given buffer, as one frame with the content size, or says it does not fit', async () => {
    const data = mixed(300 * KiB);
    const out = new Uint8Array(data.length - 1);
    const length = (await zstd.compressInto?.(data, out, 1)) as number;
    expect(length).toBeGreaterThan(0);
    expect(length).toBeLessThan(data.length / 2);
    const frame = out.subarray(0, length);
    expect(zstdFrameContentSize(frame)).toBe(data.length);
    expect(zstdFrameLength(frame)).toBe(length);
    expect(md5(await zstd.decompress(frame, data.length))).toBe(md5(data));
    // Random bytes do not shrink: one byte short of their length is too small.
    const noise = random(64 * KiB);
    expect(await zstd.compressInto?.(noise, new Uint8Array(noise.length - 1), 1)).toBeNull();
  });

  it('decompresses into a given buffer, and rejects data that holds more than it', async () => {
    const data = mixed(200 * KiB);
    const frame = await zstd.compress(data);
    const out = new Uint8Array(data.length + 10);
    const n = (await zstd.decompressInto?.(frame, out)) as number;
    expect(n).toBe(data.length);
    expect(md5(out.subarray(0, n))).toBe(md5(data));
    expect(await rejection(zstd.decompressInto?.(frame, new Uint8Array(data.length - 1)) as Promise<number>)).toBeInstanceOf(
      IntegrityError,
    );
    expect(await rejection(zstd.decompressInto?.(frame.subarray(0, frame.length - 3), out) as Promise<number>)).toBeInstanceOf(
      IntegrityError,
    );
  });

  it.skipIf(!hasCli('zstd'))('agrees with the zstd CLI both ways', async () => {
    const data = mixed(1 * MiB);
    const ours = await zstd.compress(data);
    expect(md5(runCli('zstd', ['-dcq'], ours))).toBe(md5(data));
    // From stdin the CLI writes no content size; we must still read it (Cinder could not).
    const theirs = runCli('zstd', ['-cq', '-3'], data);
    expect(md5(await zstd.decompress(theirs, data.length))).toBe(md5(data));
  });
});

describe('zstdFrameContentSize', () => {
  const magic = [0x28, 0xb5, 0x2f, 0xfd];
  const frame = (...bytes: number[]): Uint8Array => Uint8Array.from([...magic, ...bytes]);

  it('reads every Frame_Content_Size field size', () => {
    // single segment, 1-byte FCS
    expect(zstdFrameContentSize(frame(0x20, 0x07))).toBe(7);
    // 2-byte FCS is offset by 256
    expect(zstdFrameContentSize(frame(0x40, 0x58, 0x00, 0x00))).toBe(256);
    expect(zstdFrameContentSize(frame(0x60, 0x00, 0x01))).toBe(512);
    // 4-byte FCS after a window descriptor
    expect(zstdFrameContentSize(frame(0x80, 0x58, 0x00, 0x00, 0x50, 0x00))).toBe(5 * MiB);
    // 8-byte FCS, single segment, with a 1-byte dictionary id before it
    expect(zstdFrameContentSize(frame(0xe1, 0x09, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00))).toBe(2 ** 32);
    // no FCS: flag 0 and not single segment
    expect(zstdFrameContentSize(frame(0x00, 0x58))).toBeNull();
    expect(zstdFrameContentSize(frame(0x04, 0x58))).toBeNull();
    expect(parseZstdFrameHeader(frame(0x04, 0x58)).hasChecksum).toBe(true);
  });

  it('throws IntegrityError for data that is not a zstd frame header', () => {
    expect(() => zstdFrameContentSize(Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0x00]))).toThrow(IntegrityError);
    expect(() => zstdFrameContentSize(frame(0x80, 0x58, 0x00))).toThrow(/truncated/);
    expect(() => zstdFrameContentSize(frame(0x28, 0x00))).toThrow(/reserved/);
  });
});

describe('real Cinder backups (fixtures)', () => {
  const backupsRoot = join(FIXTURES_DIR, 'backups', 'zlib');
  const containers = readdirSync(backupsRoot).flatMap((a) =>
    readdirSync(join(backupsRoot, a)).flatMap((b) => readdirSync(join(backupsRoot, a, b)).map((id) => join(backupsRoot, a, b, id))),
  );

  interface ObjectEntry {
    compression: string;
    length: number;
    md5: string;
    offset: number;
  }

  it('has the three fixture backups', () => {
    expect(containers).toHaveLength(3);
  });

  it.each(containers)('decodes every object of %s to its recorded length and md5', async (container) => {
    const metadataName = readdirSync(container).find((name) => name.endsWith('_metadata'));
    expect(metadataName).toBeDefined();
    const metadata = JSON.parse(readFileSync(join(container, metadataName as string), 'utf8')) as {
      objects: Record<string, ObjectEntry>[];
    };
    expect(metadata.objects.length).toBeGreaterThan(0);
    for (const item of metadata.objects) {
      const [name, entry] = Object.entries(item)[0] as [string, ObjectEntry];
      const stored = new Uint8Array(readFileSync(join(container, name)));
      const data = await codecFor(entry.compression).decompress(stored, entry.length);
      expect(data.length, name).toBe(entry.length);
      expect(md5(data), name).toBe(entry.md5);
    }
  });
});
