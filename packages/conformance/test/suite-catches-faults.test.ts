import { setTimeout as sleep } from 'node:timers/promises';
import {
  CancelledError,
  ChunkedBackupDriver,
  hasErrorCode,
  type BackupDriver,
  type BackupOptions,
  type BackupRecord,
  type GetObjectOptions,
  type ObjectStore,
  type PutObjectOptions,
  type RestoreOptions,
  type RestoreTarget,
  type StoreCallOptions,
  type VolumeSource,
} from '@volback/core';
import { throwIfAborted } from '@volback/core/driver';
import { describe, expect, it } from 'vitest';
import { BUNDLED_FIXTURES, type ConformanceTarget, type DriverTestContext } from '../src/index.js';
import { TestMemoryStore } from './memory-store.js';
import { failuresIn, recordSuite } from './recording-runner.js';

const MIB = 1024 * 1024;

function storeTarget(store: TestMemoryStore, createDriver?: ConformanceTarget['createDriver']): ConformanceTarget {
  return {
    name: 'faulty',
    createStore: async () => store,
    backdoor: store.backdoor(),
    capabilities: { slashInNames: true },
    ...(createDriver ? { createDriver } : {}),
  };
}

/** A BackupDriver that delegates to the real engine but breaks one behaviour. */
function wrapDriver(patch: (inner: BackupDriver) => Partial<BackupDriver>): ConformanceTarget['createDriver'] {
  return async (store: ObjectStore | undefined, context: DriverTestContext) => {
    const inner = new ChunkedBackupDriver(store as ObjectStore, { catalog: context.catalog });
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
    "put keeps the caller's buffer instead of a copy",
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
        override async getObject(c: string, n: string, o?: GetObjectOptions) {
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
        override async getObject(c: string, n: string, o?: GetObjectOptions) {
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
  [
    'delete does nothing',
    'deleteBackup removes every object of that backup and nothing else',
    wrapDriver(() => ({ deleteBackup: async () => {} })),
  ],
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
  it('every test passes or is skipped for a stated reason, and the store is left empty', async () => {
    const store = new TestMemoryStore();
    const outcomes = await recordSuite(storeTarget(store)).runAll();
    expect(outcomes.size).toBeGreaterThan(20);
    expect([...failuresIn(outcomes)]).toEqual([]);
    expect([...outcomes].filter(([, o]) => o === 'skipped').map(([name]) => name)).toEqual([
      'listMetadataObjects finds every _metadata object and nothing else',
    ]);
    expect(store.objectCount(), 'objects the suite left behind').toBe(0);
  }, 120_000);
});

/** A test context without `skip`, as a runner that cannot skip at run time gives. */
const noSkip = {};

describe('the conformance suite never reports a skipped test as passed', () => {
  it('fails a test to be skipped, saying why, when the runner cannot skip', async () => {
    const outcome = await recordSuite(storeTarget(new TestMemoryStore()), noSkip).run(
      'listMetadataObjects finds every _metadata object and nothing else',
    );
    expect(String((outcome as Error)?.message)).toMatch(/does not offer listMetadataObjects.*no ctx\.skip/);
  });
});

describe('the conformance suite catches broken stores', () => {
  it.each(storeFaults)(
    '%s fails "%s"',
    async (_fault, testName, make) => {
      const outcome = await recordSuite(storeTarget(make())).run(testName);
      expect(outcome).not.toBeNull();
      expect(outcome).not.toBe('skipped');
    },
    60_000,
  );
});

describe('the conformance suite catches a store that cannot serve Cinder backups', () => {
  // The fixtures ship with the suite, so this runs everywhere the suite does.
  const fixturesDir = process.env.VOLBACK_CINDER_FIXTURES ?? BUNDLED_FIXTURES;
  it('a store that flips bits on read fails the Cinder restore', async () => {
    const flipping = new (class extends TestMemoryStore {
      override async getObject(c: string, n: string, o?: GetObjectOptions) {
        const data = await super.getObject(c, n, o);
        if (/-00003$/.test(n) && data.length > 0) data[0] = (data[0] ?? 0) ^ 1;
        return data;
      }
    })();
    const outcome = await recordSuite({ ...storeTarget(flipping), fixturesDir }).run(
      "restores Cinder's zlib/full backup to Cinder's image",
    );
    expect(outcome).not.toBeNull();
    expect(outcome).not.toBe('skipped');
  }, 60_000);
});

describe('the conformance suite catches broken drivers', () => {
  it.each(driverFaults)(
    '%s fails "%s"',
    async (_fault, testName, createDriver) => {
      const outcome = await recordSuite(storeTarget(new TestMemoryStore(), createDriver)).run(testName);
      expect(outcome).not.toBeNull();
      expect(outcome).not.toBe('skipped');
    },
    60_000,
  );
});

/** The shared bucket of a store that ignores the container it is given, as an S3 store using its configured bucket would. */
const ONE_BUCKET = 'the-bucket';

/** A store that waits `ms` on every call given a signal, as a slow backend does; `honoursSignal` decides whether it stops when the signal aborts. */
function slowStore(ms: number, honoursSignal: boolean): TestMemoryStore {
  const wait = async (signal: AbortSignal | undefined) => {
    throwIfAborted(signal);
    if (!signal) return;
    if (!honoursSignal) return sleep(ms);
    await sleep(ms, undefined, { signal }).catch((err: unknown) => {
      throw new CancelledError('slow store: cancelled', { cause: err });
    });
  };
  return new (class extends TestMemoryStore {
    override async putObject(c: string, n: string, d: Uint8Array, o?: PutObjectOptions) {
      await wait(o?.signal);
      return super.putObject(c, n, d);
    }
    override async getObject(c: string, n: string, o?: GetObjectOptions) {
      await wait(o?.signal);
      return super.getObject(c, n, { ...o, signal: undefined });
    }
    override async listObjects(c: string, p: string, o?: StoreCallOptions) {
      await wait(o?.signal);
      return super.listObjects(c, p);
    }
  })();
}

/** Each fault, the suite tests that must name it, what their messages say, and how many tests may fail in all. */
const ruleFaults: { fault: string; tests: string[]; says: RegExp; make: () => TestMemoryStore; atMost: number }[] = [
  {
    fault: 'a store that ignores the container and keeps every object in one bucket',
    tests: ['containers are kept apart: reading, listing and deleting in one does not touch another'],
    says: /second container|first container/,
    make: () =>
      new (class extends TestMemoryStore {
        override containerFor(_id: string, requested: string | null) {
          return requested ?? ONE_BUCKET;
        }
        override async putObject(_c: string, n: string, d: Uint8Array, o?: PutObjectOptions) {
          return super.putObject(ONE_BUCKET, n, d, o);
        }
        override async getObject(_c: string, n: string, o?: GetObjectOptions) {
          return super.getObject(ONE_BUCKET, n, o);
        }
        override async deleteObject(_c: string, n: string, o?: StoreCallOptions) {
          return super.deleteObject(ONE_BUCKET, n, o);
        }
        override async listObjects(_c: string, p: string, o?: StoreCallOptions) {
          return super.listObjects(ONE_BUCKET, p, o);
        }
      })(),
    atMost: 2,
  },
  {
    fault: 'a delete that removes every name starting with the given one',
    tests: ['deleteObject removes exactly the named object, not others that start with its name'],
    says: /what is left after deleting/,
    make: () =>
      new (class extends TestMemoryStore {
        override async deleteObject(c: string, n: string, o?: StoreCallOptions) {
          for (const name of await super.listObjects(c, n)) await super.deleteObject(c, name, o);
        }
      })(),
    atMost: 2,
  },
  {
    fault: 'reads cut at 1 MiB',
    tests: ['round trip of a large object (8 MiB + 5 B)', 'round trip of a large object (17 MiB + 3 B)'],
    says: /bytes read back/,
    make: () =>
      new (class extends TestMemoryStore {
        override async getObject(c: string, n: string, o?: GetObjectOptions) {
          return (await super.getObject(c, n, o)).subarray(0, MIB);
        }
      })(),
    atMost: 6,
  },
  {
    fault: 'a store that ignores signals',
    tests: ['a call given an aborted signal rejects with E_CANCELLED and changes nothing'],
    says: /aborted signal/,
    make: () =>
      new (class extends TestMemoryStore {
        override async putObject(c: string, n: string, d: Uint8Array, o?: PutObjectOptions) {
          return super.putObject(c, n, d, { ...o, signal: undefined });
        }
        override async getObject(c: string, n: string, o?: GetObjectOptions) {
          return super.getObject(c, n, { ...o, signal: undefined });
        }
        override async deleteObject(c: string, n: string) {
          return super.deleteObject(c, n);
        }
        override async listObjects(c: string, p: string) {
          return super.listObjects(c, p);
        }
        override async ensureContainer(c: string) {
          return super.ensureContainer(c);
        }
      })(),
    atMost: 2,
  },
  {
    fault: 'a slow store that checks its signal only when a call starts',
    tests: ['a call whose signal aborts while it runs settles within 2000 ms: done, or E_CANCELLED'],
    says: /did not settle in 2000 ms/,
    make: () => slowStore(3000, false),
    atMost: 2,
  },
  {
    fault: 'listContainers that lists only the top directory of nested containers',
    tests: ['listContainers lists the container of a backup just made'],
    says: /listContainers right after a backup/,
    make: () =>
      new (class extends TestMemoryStore {
        override async listContainers() {
          return [...new Set((await super.listContainers()).map((c) => c.split('/')[0] as string))];
        }
      })(),
    atMost: 1,
  },
];

/** The test the BackupDriver group opens with, failing once for a store that failed its ObjectStore contract. */
const PRECONDITION = 'the store passes its ObjectStore contract, which every test below builds on';

describe('the conformance suite names each store bug in a few tests', () => {
  it.each(ruleFaults.map((f) => [f.fault, f.tests[0], f] as const))(
    '%s fails "%s" and few others',
    async (_fault, _name, { tests, says, make, atMost }) => {
      const failed = failuresIn(await recordSuite(storeTarget(make())).runAll());
      for (const name of tests) expect(failed.get(name), `"${name}" fails, saying what is wrong`).toMatch(says);
      const precondition = failed.get(PRECONDITION);
      if (precondition !== undefined) for (const name of tests) expect(precondition).toContain(JSON.stringify(name));
      expect(
        [...failed.keys()].filter((name) => name !== PRECONDITION && !tests.includes(name)),
        'tests failed on consequences',
      ).toEqual([]);
      expect(failed.size).toBeLessThanOrEqual(atMost);
    },
    120_000,
  );

  it('a slow store that stops when its signal aborts passes the signal tests', async () => {
    const suite = recordSuite(storeTarget(slowStore(3000, true)));
    for (const name of suite.names.filter((n) => /signal/.test(n))) expect(await suite.run(name), name).toBeNull();
  });
});
