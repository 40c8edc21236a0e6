import {
  ChunkedBackupDriver,
  hasErrorCode,
  type BackupDriver,
  type BackupOptions,
  type BackupRecord,
  type ByteRange,
  type ObjectStore,
  type RestoreOptions,
  type RestoreTarget,
  type VolumeSource,
} from '@volback/core';
import { describe, expect, it } from 'vitest';
import { BUNDLED_FIXTURES, defineConformanceSuite, SUITE_OBJECT_SIZE, type ConformanceTarget, type DriverTestContext } from '../src/index.js';
import { TestMemoryStore } from './memory-store.js';

type Body = () => Promise<void> | void;
class Skipped extends Error {}

/**
 * Registers the suite with a recording runner instead of vitest, so these tests can run one
 * suite test and see whether it failed: the suite is only worth something if it catches bugs.
 */
function collect(target: ConformanceTarget) {
  const tests = new Map<string, (ctx: { skip: (note?: string) => void }) => Promise<void> | void>();
  const before: Body[] = [];
  const after: Body[] = [];
  defineConformanceSuite(
    {
      describe: (_name, body) => body(),
      it: (name, body) => void tests.set(name, body),
      expect: (actual, message) => expect(actual, message),
      beforeAll: (body) => void before.push(body),
      afterAll: (body) => void after.push(body),
    },
    target,
  );
  return {
    names: [...tests.keys()],
    /** Runs one test with every group's setup; resolves to its error, 'skipped', or null. */
    async run(name: string): Promise<unknown> {
      const body = tests.get(name);
      if (!body) throw new Error(`no suite test named ${name}`);
      for (const b of before) await b();
      try {
        await body({ skip: (note) => { throw new Skipped(note); } });
        return null;
      } catch (err) {
        return err instanceof Skipped ? 'skipped' : err;
      } finally {
        for (const a of after) await a();
      }
    },
  };
}

function storeTarget(store: TestMemoryStore, createDriver?: ConformanceTarget['createDriver']): ConformanceTarget {
  return {
    name: 'faulty',
    createStore: async () => store,
    backdoor: store.backdoor(),
    capabilities: { slashInNames: true, largeObjects: false },
    ...(createDriver ? { createDriver } : {}),
  };
}

/** A BackupDriver that delegates to the real engine but breaks one behaviour. */
function wrapDriver(patch: (inner: BackupDriver) => Partial<BackupDriver>): ConformanceTarget['createDriver'] {
  return async (store: ObjectStore | undefined, context: DriverTestContext) => {
    const inner = new ChunkedBackupDriver(store as ObjectStore, { objectSize: SUITE_OBJECT_SIZE, catalog: context.catalog });
    const overrides = patch(inner);
    return new Proxy(inner, {
      get: (t, key, recv) => (key in overrides ? (overrides as Record<PropertyKey, unknown>)[key] : Reflect.get(t, key, recv)),
    });
  };
}

const storeFaults: [string, string, () => TestMemoryStore][] = [
  [
    'list matches substrings, not prefixes',
    'listObjects matches the exact prefix',
    () =>
      new (class extends TestMemoryStore {
        override async listObjects(c: string, p: string) {
          return [...(this.containers.get(c)?.keys() ?? [])].filter((n) => n.includes(p));
        }
      })(),
  ],
  [
    'list stops after one page of 100',
    'listObjects returns every one of 150 objects',
    () =>
      new (class extends TestMemoryStore {
        override async listObjects(c: string, p: string) {
          return (await super.listObjects(c, p)).slice(0, 100);
        }
      })(),
  ],
  [
    'put keeps the caller\'s buffer instead of a copy',
    'keeps the bytes it was given: the engine reuses its buffers once a put resolves',
    () =>
      new (class extends TestMemoryStore {
        override async putObject(c: string, n: string, d: Uint8Array) {
          await super.putObject(c, n, d);
          this.containers.get(c)?.set(n, d);
        }
      })(),
  ],
  [
    'a missing object reads as empty',
    'getObject of a missing object is E_NOT_FOUND',
    () =>
      new (class extends TestMemoryStore {
        override async getObject(c: string, n: string, o?: { range?: ByteRange }) {
          return super.getObject(c, n, o).catch(() => new Uint8Array());
        }
      })(),
  ],
  [
    'overwrite keeps the old tail',
    'overwrite replaces the whole object',
    () =>
      new (class extends TestMemoryStore {
        override async putObject(c: string, n: string, d: Uint8Array) {
          const old = this.containers.get(c)?.get(n);
          if (old && old.length > d.length) {
            const merged = new Uint8Array(old);
            merged.set(d);
            return super.putObject(c, n, merged);
          }
          return super.putObject(c, n, d);
        }
      })(),
  ],
  [
    'ranges are ignored',
    'byte ranges return exactly the asked bytes',
    () =>
      new (class extends TestMemoryStore {
        override async getObject(c: string, n: string) {
          return super.getObject(c, n);
        }
      })(),
  ],
  [
    'deleting a missing object throws',
    'deleteObject removes the object; deleting a missing object succeeds',
    () =>
      new (class extends TestMemoryStore {
        override async deleteObject(c: string, n: string) {
          if (!this.containers.get(c)?.has(n)) throw new Error('ENOENT');
          return super.deleteObject(c, n);
        }
      })(),
  ],
  [
    'writes are lost under concurrency',
    'concurrent puts and gets all land',
    () => {
      let inFlight = 0;
      return new (class extends TestMemoryStore {
        override async putObject(c: string, n: string, d: Uint8Array) {
          inFlight++;
          await new Promise((r) => setTimeout(r, 5));
          inFlight--;
          if (inFlight > 8) return;
          return super.putObject(c, n, d);
        }
      })();
    },
  ],
  [
    'reads flip a bit of data objects',
    'full backup restores bit-exact (random, zero and text regions; partial last block)',
    () =>
      new (class extends TestMemoryStore {
        override async getObject(c: string, n: string, o?: { range?: ByteRange }) {
          const data = await super.getObject(c, n, o);
          if (/-00002$/.test(n) && data.length > 0) data[0] = (data[0] ?? 0) ^ 1;
          return data;
        }
      })(),
  ],
  [
    'slashes are flattened',
    'stores names in the object-store Cinder style (with "/")',
    () =>
      new (class extends TestMemoryStore {
        override async putObject(c: string, n: string, d: Uint8Array) {
          return super.putObject(c, n.replaceAll('/', '_'), d);
        }
      })(),
  ],
];

const driverFaults: [string, string, ConformanceTarget['createDriver']][] = [
  [
    'restore swallows integrity errors',
    'a corrupted data object fails the restore with E_INTEGRITY naming it',
    wrapDriver((inner) => ({
      restore: (r: BackupRecord, v: string, t: RestoreTarget, o?: RestoreOptions) =>
        inner.restore(r, v, t, o).catch((err: unknown) => {
          if (hasErrorCode(err, 'E_INTEGRITY')) return { volumeBytes: 0, chain: [] };
          throw err;
        }),
    })),
  ],
  ['delete does nothing', 'deleteBackup removes every object of that backup and nothing else', wrapDriver(() => ({ deleteBackup: async () => {} }))],
  [
    'backup ignores its abort signal',
    'cancelling mid-backup throws E_CANCELLED and leaves no object behind',
    wrapDriver((inner) => ({
      backup: (r: BackupRecord, v: VolumeSource, o?: BackupOptions) => inner.backup(r, v, { ...o, signal: undefined }),
    })),
  ],
  [
    'incrementals are always full',
    'an incremental without changes stores no data object and restores',
    wrapDriver((inner) => ({
      backup: (r: BackupRecord, v: VolumeSource, o?: BackupOptions) => inner.backup({ ...r, parentId: null }, v, o),
    })),
  ],
  [
    'progress never reports done',
    'progress events grow monotonically and end complete',
    wrapDriver((inner) => ({
      backup: (r: BackupRecord, v: VolumeSource, o?: BackupOptions) =>
        inner.backup(r, v, { ...o, onProgress: (e) => (e.done ? undefined : o?.onProgress?.(e)) }),
    })),
  ],
  [
    'metadata is not carried by backups',
    'volume metadata round-trips through getMetadata/putMetadata and through a backup',
    wrapDriver((inner) => ({
      backup: (r: BackupRecord, v: VolumeSource, o?: BackupOptions) => inner.backup(r, v, { ...o, backupMetadata: false }),
    })),
  ],
];

describe('the conformance suite passes a correct store', () => {
  it('every test passes or is skipped for a stated reason', async () => {
    const suite = collect(storeTarget(new TestMemoryStore()));
    expect(suite.names.length).toBeGreaterThan(20);
    const failures: string[] = [];
    for (const name of suite.names) {
      const outcome = await suite.run(name);
      if (outcome !== null && outcome !== 'skipped') failures.push(`${name}: ${String(outcome)}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

describe('the conformance suite catches broken stores', () => {
  it.each(storeFaults)('%s fails "%s"', async (_fault, testName, make) => {
    const outcome = await collect(storeTarget(make())).run(testName);
    expect(outcome).not.toBeNull();
    expect(outcome).not.toBe('skipped');
  }, 60_000);
});

describe('the conformance suite catches a store that cannot serve Cinder backups', () => {
  // The fixtures ship with the suite, so this runs everywhere the suite does.
  const fixturesDir = process.env.VOLBACK_CINDER_FIXTURES ?? BUNDLED_FIXTURES;
  it('a store that flips bits on read fails the Cinder restore', async () => {
    const flipping = new (class extends TestMemoryStore {
      override async getObject(c: string, n: string, o?: { range?: ByteRange }) {
        const data = await super.getObject(c, n, o);
        if (/-00003$/.test(n) && data.length > 0) data[0] = (data[0] ?? 0) ^ 1;
        return data;
      }
    })();
    const outcome = await collect({ ...storeTarget(flipping), fixturesDir }).run("restores Cinder's zlib/full backup to Cinder's image");
    expect(outcome).not.toBeNull();
    expect(outcome).not.toBe('skipped');
  }, 60_000);
});

describe('the conformance suite catches broken drivers', () => {
  it.each(driverFaults)('%s fails "%s"', async (_fault, testName, createDriver) => {
    const outcome = await collect(storeTarget(new TestMemoryStore(), createDriver)).run(testName);
    expect(outcome).not.toBeNull();
    expect(outcome).not.toBe('skipped');
  }, 60_000);
});
