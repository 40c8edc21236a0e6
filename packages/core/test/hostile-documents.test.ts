import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newBackupRecord, type BackupRecord } from '../src/backup-record.js';
import { StoreCatalog } from '../src/catalog.js';
import { ChunkedBackupDriver } from '../src/chunked-backup-driver.js';
import { metadataObjectName, sha256ObjectName } from '../src/cinder-names.js';
import { MemoryObjectStore } from '../src/memory-object-store.js';
import type { RestoreTarget } from '../src/restore-target.js';
import { describeDifference, SeededRandom, settlesWithin } from '../src/testing/test-data.js';
import { BufferVolumeSource } from '../src/volume-source.js';

/**
 * Property-based: `_metadata` and `_sha256file` documents of a small chain, generated and
 * mutated (fields given hostile values, keys dropped or added, object lists shuffled, cut and
 * duplicated, bytes of the text flipped, inserted and deleted), then verified and restored.
 * Every outcome is either the right bytes or a typed error; no write leaves the volume the
 * requested `_sha256file` describes; nothing hangs. Seeded, so a failure reproduces.
 */

const BLOCK = 1024;
const OBJECT = 2 * BLOCK;
const CONTAINER = 'c';
const HANG_MS = 10_000;
const SEED = 20261203;

interface Fixture {
  store: MemoryObjectStore;
  full: BackupRecord;
  incr: BackupRecord;
  data: Uint8Array;
  /** The pristine documents, by object name. */
  docs: Map<string, Uint8Array>;
}

async function fixture(): Promise<Fixture> {
  const store = new MemoryObjectStore();
  const driver = new ChunkedBackupDriver(store, {
    catalog: new StoreCatalog(store),
    compression: 'zlib',
    objectSize: OBJECT,
    hashBlockSize: BLOCK,
    workers: 0,
  });
  const rnd = new SeededRandom(3);
  const v0 = rnd.bytes(4 * BLOCK + 200);
  v0.fill(0, BLOCK, 2 * BLOCK);
  const v1 = new Uint8Array(v0);
  rnd.fill(v1.subarray(2 * BLOCK + 10, 2 * BLOCK + 90));
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
  const full = (
    await driver.backup(newBackupRecord({ volumeId: 'vol', container: CONTAINER, createdAt: at(0) }), new BufferVolumeSource(v0))
  ).record;
  const incr = (
    await driver.backup(
      newBackupRecord({ volumeId: 'vol', parentId: full.id, container: CONTAINER, createdAt: at(1) }),
      new BufferVolumeSource(v1),
    )
  ).record;
  const docs = new Map<string, Uint8Array>();
  for (const r of [full, incr]) {
    const p = r.serviceMetadata as string;
    for (const name of [metadataObjectName(p), sha256ObjectName(p)]) docs.set(name, await store.getObject(CONTAINER, name));
  }
  return { store, full, incr, data: v1, docs };
}

/** A target that records every write and refuses none: the test judges where they went. */
class RecordingTarget implements RestoreTarget {
  readonly fresh = true;
  readonly writes: { offset: number; length: number }[] = [];
  private buf = new Uint8Array(0);
  finished: number | null = null;

  async writeAt(offset: number, data: Uint8Array): Promise<void> {
    this.writes.push({ offset, length: data.length });
    if (offset >= 0 && offset + data.length <= 1 << 20) {
      if (offset + data.length > this.buf.length) {
        const next = new Uint8Array(offset + data.length);
        next.set(this.buf);
        this.buf = next;
      }
      this.buf.set(data, offset);
    }
  }

  async finish(size: number): Promise<void> {
    this.finished = size;
  }

  async close(): Promise<void> {}

  data(): Uint8Array {
    const out = new Uint8Array(this.finished ?? 0);
    out.set(this.buf.subarray(0, out.length));
    return out;
  }
}

const bounded = <T>(p: Promise<T>, what: string): Promise<T> => settlesWithin(p, HANG_MS, what);

/** The volume the stored requested `_sha256file` describes, in bytes (its block count), or 0 if it does not parse. */
function describedBytes(doc: Uint8Array | undefined): number {
  try {
    const d = JSON.parse(Buffer.from(doc ?? new Uint8Array()).toString('utf8')) as { chunk_size?: unknown; sha256s?: unknown };
    return typeof d.chunk_size === 'number' && Array.isArray(d.sha256s) ? d.chunk_size * d.sha256s.length : 0;
  } catch {
    return 0;
  }
}

/** Stores the mutated documents, verifies and restores the incremental, and checks every rule; restores the originals after. */
async function runCase(fx: Fixture, mutated: Map<string, Uint8Array>, stats: Record<string, number>): Promise<void> {
  for (const [name, bytes] of mutated) await fx.store.putObject(CONTAINER, name, bytes);
  try {
    const driver = new ChunkedBackupDriver(fx.store, {
      catalog: new StoreCatalog(fx.store),
      objectSize: OBJECT,
      hashBlockSize: BLOCK,
      workers: 0,
    });
    const target = new RecordingTarget();
    const settle = async (p: Promise<unknown>, op: string): Promise<boolean> => {
      try {
        await bounded(p, op);
        return true;
      } catch (err) {
        const code = (err as { code?: unknown })?.code;
        if (typeof code !== 'string' || !code.startsWith('E_'))
          throw new Error(`${op}: untyped failure: ${String((err as Error)?.stack ?? err)}`);
        stats[code] = (stats[code] ?? 0) + 1;
        return false;
      }
    };
    const verified = await settle(
      driver.catalog.get(fx.incr.id).then((r) => driver.verify(r)),
      'verify',
    );
    const restored = await settle(
      driver.catalog.get(fx.incr.id).then((r) => driver.restore(r, 'v', target)),
      'restore',
    );
    const requestedList =
      mutated.get(sha256ObjectName(fx.incr.serviceMetadata as string)) ?? fx.docs.get(sha256ObjectName(fx.incr.serviceMetadata as string));
    const described = describedBytes(requestedList);
    for (const w of target.writes) {
      if (w.offset < 0 || w.length < 0 || w.offset + w.length > described) {
        throw new Error(`a write of ${w.length} bytes at ${w.offset} leaves the ${described} bytes the requested _sha256file describes`);
      }
    }
    if (restored) {
      const diff = describeDifference(target.data(), fx.data);
      if (diff) throw new Error(`restore succeeded with wrong data: ${diff}`);
      stats.restored = (stats.restored ?? 0) + 1;
    }
    if (verified && !restored) throw new Error('verify passed where restore failed');
  } finally {
    for (const [name] of mutated) await fx.store.putObject(CONTAINER, name, fx.docs.get(name) as Uint8Array);
  }
}

/** A hostile JSON value: what a damaged or forged document could hold where a field should be. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
  fc.constantFrom(0, -1, 1, 1023, 1024, 1025, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, 0.5, 1024.0000001),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', 'none', 'zlib', 'zstd', 'bz2', 'lz4', '../../etc/passwd', 'a'.repeat(5000), '\u0000', '0'.repeat(64)),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);

type Json = Record<string, unknown>;
const parse = (b: Uint8Array): Json => JSON.parse(Buffer.from(b).toString('utf8')) as Json;
const encode = (d: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(d, null, 2));

/** One edit of a parsed document; which edits apply depends on its kind. */
const docEdit = fc.oneof(
  fc.record({
    kind: fc.constant('set-top' as const),
    key: fc.constantFrom(
      'version',
      'backup_id',
      'volume_id',
      'parent_id',
      'volume_meta',
      'created_at',
      'chunk_size',
      'objects',
      'sha256s',
      'extra',
    ),
    value: hostileValue,
  }),
  fc.record({
    kind: fc.constant('drop-top' as const),
    key: fc.constantFrom('version', 'backup_id', 'volume_id', 'parent_id', 'objects', 'chunk_size', 'sha256s'),
  }),
  fc.record({
    kind: fc.constant('set-object' as const),
    index: fc.nat(8),
    field: fc.constantFrom('offset', 'length', 'md5', 'compression'),
    value: hostileValue,
  }),
  fc.record({
    kind: fc.constant('nudge-object' as const),
    index: fc.nat(8),
    field: fc.constantFrom('offset', 'length'),
    by: fc.constantFrom(-2048, -1024, -1, 1, 512, 1024, 2048, 4096),
  }),
  fc.record({
    kind: fc.constant('rename-object' as const),
    index: fc.nat(8),
    name: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('../x', '')),
  }),
  fc.record({
    kind: fc.constant('reshape-list' as const),
    how: fc.constantFrom('reverse', 'duplicate-first', 'drop-first', 'drop-last', 'empty', 'swap-fields'),
  }),
  fc.record({ kind: fc.constant('set-hash' as const), index: fc.nat(8), value: hostileValue }),
  fc.record({ kind: fc.constant('reshape-hashes' as const), how: fc.constantFrom('reverse', 'append', 'drop-last', 'empty', 'double') }),
);
type DocEdit = typeof docEdit extends fc.Arbitrary<infer T> ? T : never;

function applyEdit(doc: Json, e: DocEdit): void {
  const objects = Array.isArray(doc.objects) ? (doc.objects as Json[]) : null;
  const hashes = Array.isArray(doc.sha256s) ? (doc.sha256s as unknown[]) : null;
  const entry = (i: number): Json | null => {
    const item = objects?.[i % Math.max(1, objects.length)];
    if (!item || typeof item !== 'object') return null;
    const key = Object.keys(item)[0];
    return key ? (item[key] as Json) : null;
  };
  switch (e.kind) {
    case 'set-top':
      doc[e.key] = e.value;
      break;
    case 'drop-top':
      delete doc[e.key];
      break;
    case 'set-object': {
      const body = entry(e.index);
      if (body) body[e.field] = e.value;
      break;
    }
    case 'nudge-object': {
      const body = entry(e.index);
      if (body && typeof body[e.field] === 'number') body[e.field] = (body[e.field] as number) + e.by;
      break;
    }
    case 'rename-object': {
      const item = objects?.[e.index % Math.max(1, objects.length)];
      const key = item && Object.keys(item)[0];
      if (item && key !== undefined) {
        const body = item[key];
        delete item[key];
        item[e.name] = body;
      }
      break;
    }
    case 'reshape-list':
      if (!objects) break;
      if (e.how === 'reverse') objects.reverse();
      else if (e.how === 'duplicate-first' && objects[0]) objects.push(structuredClone(objects[0]));
      else if (e.how === 'drop-first') objects.shift();
      else if (e.how === 'drop-last') objects.pop();
      else if (e.how === 'empty') objects.length = 0;
      else if (e.how === 'swap-fields' && objects.length > 1) {
        const a = entry(0);
        const b = entry(1);
        if (a && b) [a.offset, b.offset] = [b.offset, a.offset];
      }
      break;
    case 'set-hash':
      if (hashes && hashes.length > 0) hashes[e.index % hashes.length] = e.value;
      break;
    case 'reshape-hashes':
      if (!hashes) break;
      if (e.how === 'reverse') hashes.reverse();
      else if (e.how === 'append') hashes.push(hashes[0]);
      else if (e.how === 'drop-last') hashes.pop();
      else if (e.how === 'empty') hashes.length = 0;
      else if (e.how === 'double') hashes.push(...hashes);
      break;
  }
}

/** A byte-level edit of the text: what bit rot or a torn write does. */
const byteEdit = fc.record({
  kind: fc.constantFrom('flip', 'insert', 'delete', 'cut'),
  at: fc.nat(),
  byte: fc.integer({ min: 0, max: 255 }),
});

function applyBytes(b: Uint8Array, e: { kind: string; at: number; byte: number }): Uint8Array {
  const at = b.length === 0 ? 0 : e.at % b.length;
  if (e.kind === 'flip') {
    const out = new Uint8Array(b);
    out[at] = (out[at] as number) ^ (e.byte || 1);
    return out;
  }
  if (e.kind === 'insert') return Buffer.concat([b.subarray(0, at), Buffer.from([e.byte]), b.subarray(at)]);
  if (e.kind === 'delete') return Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
  return b.subarray(0, at);
}

describe('hostile _metadata and _sha256file documents', () => {
  it('10,000 generated and mutated documents: only the right bytes or typed errors, no write outside the volume, no hang', async () => {
    const fx = await fixture();
    const names = [...fx.docs.keys()];
    const stats: Record<string, number> = {};
    const run = async (runs: number, arb: fc.Arbitrary<Map<string, Uint8Array>>, seed: number) =>
      fc.assert(
        fc.asyncProperty(arb, (m) => runCase(fx, m, stats)),
        { numRuns: runs, seed, endOnFailure: true },
      );
    // Structured edits of one document, then several documents at once.
    const oneDoc = fc
      .record({ name: fc.constantFrom(...names), edits: fc.array(docEdit, { minLength: 1, maxLength: 4 }) })
      .map(({ name, edits }) => {
        const doc = parse(fx.docs.get(name) as Uint8Array);
        for (const e of edits) applyEdit(doc, e);
        return new Map([[name, encode(doc)]]);
      });
    const manyDocs = fc.array(fc.record({ name: fc.constantFrom(...names), edit: docEdit }), { minLength: 2, maxLength: 5 }).map((list) => {
      const docs = new Map<string, Json>();
      for (const { name, edit } of list) {
        const doc = docs.get(name) ?? parse(fx.docs.get(name) as Uint8Array);
        applyEdit(doc, edit);
        docs.set(name, doc);
      }
      return new Map([...docs].map(([n, d]) => [n, encode(d)]));
    });
    const bytes = fc
      .record({ name: fc.constantFrom(...names), edits: fc.array(byteEdit, { minLength: 1, maxLength: 3 }) })
      .map(({ name, edits }) => {
        let b = fx.docs.get(name) as Uint8Array;
        for (const e of edits) b = applyBytes(b, e);
        return new Map([[name, b]]);
      });
    // Whole documents of another backup in place of this one's (a copy, a swap).
    const swapped = fc
      .tuple(fc.constantFrom(...names), fc.constantFrom(...names))
      .map(([a, b]) => new Map([[a, fx.docs.get(b) as Uint8Array]]));
    await run(4000, oneDoc, SEED);
    await run(2500, manyDocs, SEED + 1);
    await run(3400, bytes, SEED + 2);
    await run(100, swapped, SEED + 3);
    const total = Object.values(stats).reduce((a, b) => a + b, 0);
    console.info(`hostile documents: 10000 cases, outcomes ${JSON.stringify(stats)} (${total} verify/restore results)`);
    // The sweep must have reached deep: typed refusals of several kinds, and some harmless edits restored right.
    expect(Object.keys(stats).length).toBeGreaterThan(2);
    expect(stats.restored ?? 0).toBeGreaterThan(0);
  }, 900_000);
});
