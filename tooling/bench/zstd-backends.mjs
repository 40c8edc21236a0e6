// zstd's two backends as core drives them, in one process: level 1 (volback's default) on the
// bench image's three kinds of 4 MiB region. Prints MiB/s and each ratio to zstd-napi; run after
// a build: `node tooling/bench/zstd-backends.mjs [image]`. With an image (tooling/make-image.mjs)
// it also times a full backup and a restore of it to memory, each backend in its own process
// (worker threads take the environment they start with). docs/performance.md quotes it.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { zstdCodecOn } from '../../packages/core/dist/codecs/zstd-codec.js';

const REGION = 4 << 20;
const words = 'volume backup cinder chunk object restore block zero metadata incremental'.split(' ');
function text(length) {
  const picks = randomBytes(length);
  let s = '';
  for (let i = 0; s.length < length; i++) s += words[picks[i] % words.length] + (i % 12 === 11 ? '\n' : ' ');
  return new TextEncoder().encode(s.slice(0, length));
}
const regions = { random: new Uint8Array(randomBytes(REGION)), zero: new Uint8Array(REGION), text: text(REGION) };
const backends = { native: zstdCodecOn('native'), wasm: zstdCodecOn('wasm') };

/** MiB/s of `fn` over at least `ms`, after one warm-up call. */
async function rate(fn, ms = 1500) {
  await fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms || n < 3) {
    await fn();
    n++;
  }
  return (n * REGION) / 2 ** 20 / ((performance.now() - t0) / 1000);
}

const [image, child] = process.argv.slice(2);
if (child === '--child') {
  // Best of three rounds: the first also pays the worker threads' start, as a CLI run does.
  const core = await import('../../packages/core/dist/bundle/index.js');
  const volume = new Uint8Array(readFileSync(image));
  const times = [];
  for (let round = 0; round < 3; round++) {
    const catalog = new core.MemoryCatalog();
    const driver = new core.ChunkedBackupDriver(new core.MemoryObjectStore(), { catalog, compressionLevel: 1 });
    let t0 = performance.now();
    const { record } = await driver.backup(core.newBackupRecord({ volumeId: 'v' }), new core.BufferVolumeSource(volume));
    const backup = performance.now() - t0;
    catalog.put(record);
    t0 = performance.now();
    await driver.restore(record, 'v', new core.BufferRestoreTarget());
    times.push([backup, performance.now() - t0]);
    await driver.close();
  }
  console.log(JSON.stringify([0, 1].map((i) => Math.min(...times.map((t) => t[i])))));
  process.exit(0);
}

console.log(`node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}`);
// Interleaved per region, so that load from other work on the host hits both alike.
for (const [kind, data] of Object.entries(regions)) {
  const out = new Uint8Array(REGION + 64 * 1024);
  const back = new Uint8Array(REGION);
  const frame = await backends.native.compress(data, 1);
  const row = {};
  for (const [name, codec] of Object.entries(backends)) {
    row[name] = {
      compress: await rate(() => codec.compressInto(data, out, 1)),
      decompress: await rate(() => codec.decompressInto(frame, back)),
    };
  }
  const ratio = (op) => (row.wasm[op] / row.native[op]).toFixed(2);
  const f = (v) => v.toFixed(0).padStart(5);
  console.log(
    `${kind.padEnd(6)} compress native ${f(row.native.compress)} wasm ${f(row.wasm.compress)} MiB/s (x${ratio('compress')})` +
      `  decompress native ${f(row.native.decompress)} wasm ${f(row.wasm.decompress)} MiB/s (x${ratio('decompress')})` +
      `  frame ${frame.length} B`,
  );
}

if (image) {
  const mib = readFileSync(image).length / 2 ** 20;
  const run = (backend) => {
    const env = { ...process.env, VOLBACK_ZSTD_BACKEND: backend };
    const out = spawnSync(process.execPath, [process.argv[1], image, '--child'], { env, encoding: 'utf8' });
    if (out.status !== 0) throw new Error(out.stderr);
    return JSON.parse(out.stdout);
  };
  // Alternated, so that load from other work on the host hits both alike.
  const best = { native: [Infinity, Infinity], wasm: [Infinity, Infinity] };
  for (let i = 0; i < 3; i++) {
    for (const backend of ['native', 'wasm']) best[backend] = run(backend).map((t, j) => Math.min(t, best[backend][j]));
  }
  for (const [j, step] of ['full backup', 'restore'].entries()) {
    const [n, w] = [best.native[j], best.wasm[j]];
    console.log(`${step} of ${mib} MiB: native ${n.toFixed(0)} ms, wasm ${w.toFixed(0)} ms (speed x${(n / w).toFixed(2)})`);
  }
}
