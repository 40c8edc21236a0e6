import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codecFor, maxStoredLength } from '../src/codecs/index.js';
import { checkObject, type ObjectCheckTask } from '../src/engine/workers/cpu-tasks.js';
import { IntegrityError } from '../src/errors.js';
import { BZIP2_GIB_OF_ZEROS, zlibZeros, zstdZeroFrame } from './bombs.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** Every object below is declared this long in its `_metadata`. */
const DECLARED = 1 * MiB;
const JUNK = new TextEncoder().encode('trailing garbage, not a stream of any codec');

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function md5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

const bz2 = codecFor('bz2');
const zstd = codecFor('zstd');
const exactBz2 = await bz2.compress(new Uint8Array(DECLARED));
const exactZstd = await zstd.compress(new Uint8Array(DECLARED));
const exactZlib = await codecFor('zlib').compress(new Uint8Array(DECLARED));
const zstd8MiB = await zstd.compress(new Uint8Array(8 * MiB));

/** Stored objects that hold more than DECLARED bytes, most of them a gibibyte or more. */
const bombs: [string, string, Uint8Array][] = [
  ['bz2', 'one stream of 1 GiB of zeros, 785 bytes', BZIP2_GIB_OF_ZEROS],
  ['bzip2', 'the same stream followed by trailing garbage', concat(BZIP2_GIB_OF_ZEROS, JUNK)],
  ['bz2', 'multi-stream: the whole object, then a 1 GiB stream (not taken for trailing garbage)', concat(exactBz2, BZIP2_GIB_OF_ZEROS)],
  ['bz2', 'multi-stream: the whole object, then a stream of one byte more', concat(exactBz2, await bz2.compress(Uint8Array.of(7)))],
  ['zlib', 'one stream of 1 GiB of zeros', zlibZeros(1024)],
  ['gzip', 'one stream of 64 MiB of zeros followed by trailing garbage', concat(zlibZeros(64), JUNK)],
  ['zlib', 'one stream of the whole object and one byte more', await codecFor('zlib').compress(new Uint8Array(DECLARED + 1))],
  ['zstd', 'one frame whose header says 1 MiB but that holds 1 GiB', zstdZeroFrame(8192, DECLARED)],
  ['zstd', 'one frame whose header says 1 TiB', zstdZeroFrame(8192, 2 ** 40)],
  ['zstd', 'one frame of 1 GiB without a content size', zstdZeroFrame(8192, null)],
  ['zstd', 'multiple frames: 128 of 8 MiB each', concat(...Array<Uint8Array>(128).fill(zstd8MiB))],
  ['zstd', 'multiple frames: the whole object, then one more byte', concat(exactZstd, await zstd.compress(Uint8Array.of(7)))],
  ['none', 'raw bytes one longer than declared', new Uint8Array(DECLARED + 1)],
];

describe('decompression bombs: every codec stops at the declared length', () => {
  it.each(bombs)('%s, %s: decompress fails with IntegrityError, its output never longer than declared', async (tag, _what, stored) => {
    const err = await rejection(codecFor(tag).decompress(stored, DECLARED));
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(`holds more than the ${DECLARED} bytes`);
  });

  it.each(bombs)('%s, %s: decompressInto a buffer of the declared length fails the same way', async (tag, _what, stored) => {
    const out = new Uint8Array(DECLARED);
    const err = await rejection(codecFor(tag).decompressInto(stored, out));
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(`holds more than the ${DECLARED} bytes`);
  });

  it.each(bombs)('%s, %s: checkObject names the object in an IntegrityError, lent a buffer or not', async (tag, _what, stored) => {
    for (const into of [new Uint8Array(DECLARED), null]) {
      const err = await rejection(checkObject(task('backup-00001', tag, stored, into)));
      expect(err).toBeInstanceOf(IntegrityError);
      expect(err).toMatchObject({ code: 'E_INTEGRITY', objectName: 'backup-00001' });
    }
  });

  it.each([
    ['bz2', exactBz2],
    ['bz2', concat(exactBz2, JUNK)],
    ['zlib', concat(exactZlib, JUNK)],
    ['zstd', exactZstd],
    ['none', new Uint8Array(DECLARED)],
  ])('%s: an object of exactly the declared length still decodes, into no more than that', async (tag, stored) => {
    const data = await codecFor(tag).decompress(stored, DECLARED);
    expect(data.length).toBe(DECLARED);
    expect(data.buffer.byteLength).toBeLessThanOrEqual(Math.max(DECLARED, stored.buffer.byteLength));
    expect(md5(data)).toBe(md5(new Uint8Array(DECLARED)));
  });

  it('refuses, before decoding, stored bytes longer than any encoding of the declared length', async () => {
    const padded = concat(exactZlib, new Uint8Array(maxStoredLength(DECLARED) - exactZlib.length + 1));
    // zlib itself ignores what follows its stream, as Python does: the check is the engine's.
    expect((await codecFor('zlib').decompress(padded, DECLARED)).length).toBe(DECLARED);
    await expect(checkObject(task('backup-00002', 'zlib', padded, null))).rejects.toMatchObject({
      code: 'E_INTEGRITY',
      objectName: 'backup-00002',
      message: expect.stringMatching(/more than any encoding/),
    });
    expect(maxStoredLength(DECLARED)).toBeGreaterThan(DECLARED);
  });
});

function task(name: string, compression: string, stored: Uint8Array, into: Uint8Array | null): ObjectCheckTask {
  return {
    name,
    stored,
    into,
    compression,
    length: DECLARED,
    md5: md5(new Uint8Array(DECLARED)),
    md5Check: 'always',
    offset: 0,
    blockSize: null,
    blockHashes: null,
    volumeBytes: DECLARED,
  };
}

describe('decompression bombs in a process of their own (built package)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'volback-bombs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Peak memory is only seen whole from outside: each gibibyte bomb, checked as a restore would,
  // must leave the process's peak far below what inflating one of them would take.
  it('checks every gibibyte bomb with memory bounded by the declared length, not by the bomb', () => {
    const big = bombs.filter(([, what]) => /GiB|TiB|128 of 8 MiB/.test(what));
    expect(big.length).toBeGreaterThanOrEqual(6);
    const files = big.map(([tag, , stored], i) => {
      const file = join(dir, `bomb-${i}`);
      writeFileSync(file, stored);
      return { tag, file };
    });
    const script = join(dir, 'check.mjs');
    writeFileSync(
      script,
      `import { readFileSync } from 'node:fs';
const { checkObject } = await import(${JSON.stringify(new URL('../dist/engine/workers/cpu-tasks.js', import.meta.url).href)});
const out = [];
for (const { tag, file } of ${JSON.stringify(files)}) {
  for (const into of [new Uint8Array(${DECLARED}), null]) {
    const task = { name: file, stored: new Uint8Array(readFileSync(file)), into, compression: tag, length: ${DECLARED}, md5: '0', md5Check: 'always', offset: 0, blockSize: null, blockHashes: null, volumeBytes: ${DECLARED} };
    try { await checkObject(task); out.push({ file, ok: true }); } catch (err) { out.push({ file, code: err.code, objectName: err.objectName, message: err.message }); }
  }
}
console.log(JSON.stringify({ out, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
`,
    );
    const run = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    const { out, maxRssBytes } = JSON.parse(run.stdout) as {
      out: { file: string; code?: string; objectName?: string; message?: string }[];
      maxRssBytes: number;
    };
    expect(out).toHaveLength(2 * files.length);
    for (const r of out)
      expect(r, r.file).toMatchObject({ code: 'E_INTEGRITY', objectName: r.file, message: expect.stringMatching(/holds more than/) });
    // Inflating any one of them whole takes over 1 GiB; a node process with the engine loaded takes well under this.
    expect(maxRssBytes).toBeLessThan(256 * MiB);
  });
});
