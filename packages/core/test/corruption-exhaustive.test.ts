import { describe, expect, it } from 'vitest';
import { newBackupRecord, type BackupRecord } from '../src/backup-record.js';
import { StoreCatalog } from '../src/catalog.js';
import { ChunkedBackupDriver } from '../src/chunked-backup-driver.js';
import type { CompressionAlgorithm } from '../src/codecs/codec.js';
import { MemoryObjectStore } from '../src/memory-object-store.js';
import { BufferRestoreTarget } from '../src/restore-target.js';
import { describeDifference, SeededRandom, settlesWithin } from '../src/testing/test-data.js';
import { BufferVolumeSource } from '../src/volume-source.js';

/**
 * Every single-byte flip of every stored object of a small chain (a full backup and two
 * incrementals), and every truncation, extension, deletion and swap of its objects, for each
 * codec. After each, every point whose chain holds the damage is verified and restored: an
 * operation either gives exactly the right bytes or fails with a typed error naming a damaged
 * backup, verify never passes where restore fails, and nothing hangs. Hash blocks of 1 KiB keep
 * the chain a few KiB, so the sweep is exhaustive, not sampled.
 */

const BLOCK = 1024;
const OBJECT = 2 * BLOCK;
const CONTAINER = 'c';
/** No single operation on a few KiB may take this long: past it, the case hung. */
const HANG_MS = 10_000;

/** A volume of 3 blocks and a partial one: random, text, zero, random (300 bytes). */
function volume0(): Uint8Array {
  const rnd = new SeededRandom(7);
  const v = new Uint8Array(3 * BLOCK + 300);
  rnd.fill(v.subarray(0, BLOCK));
  const text = new TextEncoder().encode('cinder chunk restore block '.repeat(40));
  v.set(text.subarray(0, BLOCK), BLOCK);
  rnd.fill(v.subarray(3 * BLOCK));
  return v;
}

function changed(v: Uint8Array, blocks: number[], seed: number): Uint8Array {
  const out = new Uint8Array(v);
  const rnd = new SeededRandom(seed);
  for (const b of blocks) rnd.fill(out.subarray(b * BLOCK + 100, Math.min(out.length, b * BLOCK + 400)));
  return out;
}

interface Chain {
  store: MemoryObjectStore;
  points: { record: BackupRecord; data: Uint8Array }[];
  /** Every stored object, with the index of the point it belongs to. */
  objects: { name: string; point: number }[];
}

async function makeChain(compression: CompressionAlgorithm): Promise<Chain> {
  const store = new MemoryObjectStore();
  const driver = new ChunkedBackupDriver(store, {
    catalog: new StoreCatalog(store),
    compression,
    objectSize: OBJECT,
    hashBlockSize: BLOCK,
    workers: 0,
  });
  const v0 = volume0();
  const datas = [v0, changed(v0, [1, 3], 8)];
  datas.push(changed(datas[1] as Uint8Array, [2], 9));
  const points: Chain['points'] = [];
  for (const data of datas) {
    const parent = points.at(-1)?.record.id ?? null;
    const record = newBackupRecord({
      volumeId: 'vol',
      parentId: parent,
      container: CONTAINER,
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, points.length)),
    });
    points.push({ record: (await driver.backup(record, new BufferVolumeSource(data))).record, data });
  }
  const names = await store.listObjects(CONTAINER, '');
  const objects = names.map((name) => ({ name, point: points.findIndex((p) => name.startsWith(p.record.serviceMetadata as string)) }));
  expect(objects.every((o) => o.point >= 0)).toBe(true);
  return { store, points, objects };
}

type Outcome = { ok: true } | { ok: false; code: string; message: string };

const bounded = <T>(p: Promise<T>, what: string): Promise<T> => settlesWithin(p, HANG_MS, what);

function outcomeOf(err: unknown): Outcome {
  const code = (err as { code?: unknown })?.code;
  return { ok: false, code: typeof code === 'string' ? code : 'UNTYPED', message: String((err as Error)?.stack ?? err) };
}

/** What each class of damage did, for the closing figures. */
interface Tally {
  cases: number;
  detected: number;
  harmless: number;
}

/**
 * Verifies and restores the damaged points and the newest one (whose chain holds every layer),
 * with a fresh catalog (nothing cached from before the damage); returns a failure description,
 * or null when every rule held.
 */
async function check(chain: Chain, damaged: readonly number[], what: string, tally: Tally): Promise<string | null> {
  const driver = new ChunkedBackupDriver(chain.store, {
    catalog: new StoreCatalog(chain.store),
    objectSize: OBJECT,
    hashBlockSize: BLOCK,
    workers: 0,
  });
  let detected = false;
  for (const i of new Set([...damaged, chain.points.length - 1])) {
    const point = chain.points[i] as Chain['points'][number];
    const verify: Outcome = await bounded(
      driver.catalog.get(point.record.id).then((r) => driver.verify(r)),
      `verify of ${what}`,
    ).then(() => ({ ok: true }) as Outcome, outcomeOf);
    const target = new BufferRestoreTarget();
    const restore: Outcome = await bounded(
      driver.catalog.get(point.record.id).then((r) => driver.restore(r, 'v', target)),
      `restore of ${what}`,
    ).then(() => ({ ok: true }) as Outcome, outcomeOf);
    for (const [op, o] of [
      ['verify', verify],
      ['restore', restore],
    ] as const) {
      if (o.ok) continue;
      detected = true;
      if (!o.code.startsWith('E_')) return `${what}: ${op} of point ${i} failed untyped: ${o.message}`;
      const ids = damaged.map((d) => chain.points[d]?.record.id as string);
      if (!ids.some((id) => o.message.includes(id))) return `${what}: ${op} of point ${i} does not name a damaged backup: ${o.message}`;
    }
    if (restore.ok) {
      const diff = describeDifference(target.data, point.data);
      if (diff) return `${what}: restore of point ${i} succeeded with WRONG DATA (${diff})`;
    }
    if (verify.ok && !restore.ok) return `${what}: verify of point ${i} passed but restore failed: ${restore.message}`;
  }
  tally.cases += 1;
  if (detected) tally.detected += 1;
  else tally.harmless += 1;
  return null;
}

const CODECS: CompressionAlgorithm[] = ['none', 'zlib', 'bz2', 'zstd'];
const figures: Record<string, Tally> = {};
const tallyFor = (name: string): Tally => (figures[name] ??= { cases: 0, detected: 0, harmless: 0 });

describe.each(CODECS)('damage to a stored %s chain is never restored as good data', (codec) => {
  it('every single-byte flip of every object', async () => {
    const chain = await makeChain(codec);
    const tally = tallyFor(`${codec} flips`);
    const failures: string[] = [];
    for (const { name, point } of chain.objects) {
      const good = await chain.store.getObject(CONTAINER, name);
      for (let at = 0; at < good.length && failures.length < 5; at++) {
        const bad = new Uint8Array(good);
        // XOR 0x01 makes the smallest change (a digit into its neighbour, 'e' into 'd'); the
        // sweep's second half uses 0x80, which makes non-ASCII bytes of JSON and other bits of data.
        bad[at] = (bad[at] as number) ^ (at % 2 === 0 ? 0x01 : 0x80);
        await chain.store.putObject(CONTAINER, name, bad);
        const failure = await check(chain, [point], `${name} byte ${at}`, tally);
        if (failure) failures.push(failure);
      }
      await chain.store.putObject(CONTAINER, name, good);
    }
    expect(failures).toEqual([]);
    expect(tally.detected).toBeGreaterThan(0);
  }, 600_000);

  it('every truncation length class, extension, and deletion of every object', async () => {
    const chain = await makeChain(codec);
    const failures: string[] = [];
    for (const { name, point } of chain.objects) {
      const good = await chain.store.getObject(CONTAINER, name);
      const cuts = [...new Set([0, 1, good.length >> 1, good.length - 1])].filter((n) => n < good.length);
      const variants: [string, Uint8Array | null][] = [
        ...cuts.map((n) => [`truncated to ${n}`, good.subarray(0, n)] as [string, Uint8Array]),
        ['extended by one zero byte', Buffer.concat([good, new Uint8Array(1)])],
        ['extended by 1 KiB of garbage', Buffer.concat([good, new SeededRandom(good.length).bytes(1024)])],
        ['deleted', null],
      ];
      for (const [how, bytes] of variants) {
        const cls = how.startsWith('truncated') ? 'truncations' : how.startsWith('extended') ? 'extensions' : 'deletions';
        if (bytes) await chain.store.putObject(CONTAINER, name, bytes);
        else await chain.store.deleteObject(CONTAINER, name);
        const failure = await check(chain, [point], `${name} ${how}`, tallyFor(`${codec} ${cls}`));
        if (failure) failures.push(failure);
      }
      await chain.store.putObject(CONTAINER, name, good);
    }
    expect(failures).toEqual([]);
  }, 600_000);

  it('every swap of two objects, within a backup and across backups', async () => {
    const chain = await makeChain(codec);
    const tally = tallyFor(`${codec} swaps`);
    const failures: string[] = [];
    const all = chain.objects;
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) {
        const a = all[i] as Chain['objects'][number];
        const b = all[j] as Chain['objects'][number];
        const [ba, bb] = await Promise.all([chain.store.getObject(CONTAINER, a.name), chain.store.getObject(CONTAINER, b.name)]);
        if (Buffer.compare(ba, bb) === 0) continue; // identical objects (cached zero objects): swapping changes nothing
        await chain.store.putObject(CONTAINER, a.name, bb);
        await chain.store.putObject(CONTAINER, b.name, ba);
        const failure = await check(chain, [a.point, b.point], `swap of ${a.name} and ${b.name}`, tally);
        if (failure) failures.push(failure);
        await chain.store.putObject(CONTAINER, a.name, ba);
        await chain.store.putObject(CONTAINER, b.name, bb);
      }
    }
    expect(failures).toEqual([]);
    expect(tally.detected).toBeGreaterThan(0);
  }, 600_000);
});

describe('the sweep', () => {
  it('reports its figures', () => {
    // A line per class, for docs/reliability.md; the rules themselves were asserted above.
    for (const [name, t] of Object.entries(figures)) {
      console.info(`corruption sweep: ${name}: ${t.cases} cases, ${t.detected} detected, ${t.harmless} harmless (restored right)`);
    }
    expect(Object.keys(figures).length).toBe(CODECS.length * 5);
  });
});
