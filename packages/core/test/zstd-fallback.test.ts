import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resetZstdBackendsForTests, ZSTD_BACKEND_ENV, zstdBackendName } from '../src/codecs/zstd-backend.js';
import { zstdCodec, zstdCodecOn } from '../src/codecs/zstd-codec.js';
import { parseZstdFrameHeader, zstdFrameLength } from '../src/codecs/zstd-frame.js';
import { ConfigError, UnsupportedError, type VolbackError } from '../src/errors.js';
import { makeVolume, sha256Hex } from '../src/testing/test-data.js';

const REGION = 4 << 20;
const native = zstdCodecOn('native');
const wasm = zstdCodecOn('wasm');
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

/** The bench's three kinds of 4 MiB region (tooling/make-image.mjs). */
function regions(): [string, Uint8Array][] {
  const words = 'volume backup cinder chunk object restore block zero metadata incremental'.split(' ');
  const picks = randomBytes(REGION);
  let text = '';
  for (let i = 0; text.length < REGION; i++) text += `${words[(picks[i] as number) % words.length]}${i % 12 === 11 ? '\n' : ' '}`;
  return [
    ['random', new Uint8Array(randomBytes(REGION))],
    ['zero', new Uint8Array(REGION)],
    ['text', new TextEncoder().encode(text.slice(0, REGION))],
  ];
}

function expectCinderFrame(frame: Uint8Array, length: number): void {
  const header = parseZstdFrameHeader(frame);
  expect(header.contentSize).toBe(length);
  expect(header.hasChecksum).toBe(false);
  expect(zstdFrameLength(frame)).toBe(frame.length);
}

describe('zstd backends', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
    resetZstdBackendsForTests();
  });

  it('use zstd-napi first when it loads, the WebAssembly build when told to', async () => {
    expect(await zstdBackendName('auto')).toBe('zstd-napi');
    expect(await zstdBackendName('wasm')).toBe('@bokuweb/zstd-wasm');
    vi.stubEnv(ZSTD_BACKEND_ENV, 'wasm');
    expect(await zstdBackendName()).toBe('@bokuweb/zstd-wasm');
  });

  it.each(regions())('%s: each decodes the other, bit-exact, at levels 1 and 3', async (_kind, data) => {
    for (const level of [1, 3]) {
      for (const [writer, reader] of [
        [native, wasm],
        [wasm, native],
      ] as const) {
        const frame = await writer.compress(data, level);
        expectCinderFrame(frame, data.length);
        expect(md5(await reader.decompress(frame, data.length))).toBe(md5(data));
      }
    }
  });

  it('refuses an unknown VOLBACK_ZSTD_BACKEND instead of guessing', async () => {
    vi.stubEnv(ZSTD_BACKEND_ENV, 'wsam');
    await expect(zstdCodec.compress(new Uint8Array(10))).rejects.toBeInstanceOf(ConfigError);
  });

  it('says what to install or allow when neither backend loads', async () => {
    // As under node --jitless, with zstd-napi skipped as where it was never built.
    vi.stubGlobal('WebAssembly', undefined);
    const err = await zstdCodecOn('wasm')
      .compress(new Uint8Array(10))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect((err as VolbackError).code).toBe('E_UNSUPPORTED');
    expect((err as Error).message).toMatch(/onlyBuiltDependencies/);
    expect((err as Error).message).toMatch(/no WebAssembly \(run without --jitless\)/);
    await expect(zstdCodecOn('wasm').decompress(new Uint8Array(10), 10)).rejects.toBeInstanceOf(UnsupportedError);
  });
});

// The published bundle on worker threads, zstd-napi skipped: what a host without the native
// build runs. The frames come back to this process, where zstd-napi must read them.
const bundle = (file: string): string => new URL(`../dist/bundle/${file}`, import.meta.url).href;
const VOLUME_BYTES = 3 * 1024 * 1024 + 4097;
const SEED = 9;
const OBJECT_BYTES = 256 * 1024;
const ROUND_TRIP = `
const core = await import(${JSON.stringify(bundle('index.js'))});
const { makeVolume, sha256Hex } = await import(${JSON.stringify(bundle('testing.js'))});
const store = new core.MemoryObjectStore();
const catalog = new core.MemoryCatalog();
const driver = new core.ChunkedBackupDriver(store, { objectSize: ${OBJECT_BYTES}, catalog, workers: 2, compressionLevel: 1 });
try {
  const volume = makeVolume(${VOLUME_BYTES}, ${SEED});
  const { record } = await driver.backup(core.newBackupRecord({ volumeId: 'v' }), new core.BufferVolumeSource(volume));
  catalog.put(record);
  const target = new core.BufferRestoreTarget();
  await driver.restore(record, 'v', target);
  const frames = [];
  for (const name of await store.listObjects(record.container, '')) {
    const data = await store.getObject(record.container, name);
    if (data[0] === 0x28 && data[1] === 0xb5 && data[2] === 0x2f && data[3] === 0xfd) frames.push(Buffer.from(data).toString('base64'));
  }
  console.log(JSON.stringify({ restored: sha256Hex(target.data), frames }));
} catch (err) {
  console.log(JSON.stringify({ code: err.code, message: err.message }));
} finally {
  await driver.close();
}
`;

function runBundle(args: string[]): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'volback-zstd-'));
  const script = join(dir, 'round-trip.mjs');
  writeFileSync(script, ROUND_TRIP);
  const run = spawnSync(process.execPath, [...args, script], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, [ZSTD_BACKEND_ENV]: 'wasm' },
    maxBuffer: 64 << 20,
  });
  rmSync(dir, { recursive: true });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;
}

describe('the bundle without zstd-napi', () => {
  it('backs up and restores through the WebAssembly build on worker threads, in frames zstd-napi reads', async () => {
    const out = runBundle([]);
    const volume = makeVolume(VOLUME_BYTES, SEED);
    expect(out.restored).toBe(sha256Hex(volume));
    const frames = (out.frames as string[]).map((b64) => new Uint8Array(Buffer.from(b64, 'base64')));
    expect(frames.length).toBeGreaterThan(3);
    // Objects are the volume's 256 KiB slices: each frame must decode to one of them.
    const slices = new Set<string>();
    for (let at = 0; at < volume.length; at += OBJECT_BYTES) slices.add(md5(volume.subarray(at, at + OBJECT_BYTES)));
    for (const frame of frames) {
      const length = parseZstdFrameHeader(frame).contentSize as number;
      expectCinderFrame(frame, length);
      expect(slices.has(md5(await native.decompress(frame, length)))).toBe(true);
    }
  });

  it('fails with a clear E_UNSUPPORTED under node --jitless, where WebAssembly is absent', () => {
    const out = runBundle(['--jitless']);
    expect(out.code).toBe('E_UNSUPPORTED');
    expect(out.message).toMatch(/zstd-napi or WebAssembly.*onlyBuiltDependencies.*--jitless/s);
  });
});
