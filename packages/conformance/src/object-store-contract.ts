import { GroupHarness, resolveBackdoor, resolveCapabilities } from './harness.js';
import type { ConformanceRunner, ConformanceTarget } from './runner.js';
import { defineStoreIsolationTests } from './store-isolation-tests.js';
import { defineStoreSignalTests } from './store-signal-tests.js';
import { LARGE_OBJECT_SIZES, StoreGroup, type Scratch } from './store-group.js';
import type { StoreVerdict } from './store-verdict.js';
import { describeDifference, errorCodeOf, SeededRandom, sha256Hex } from './test-data.js';
import { trackWrites, type TrackedStore } from './write-tracker.js';

/** The ObjectStore group's name, usable as a key of `target.skip`. */
export const OBJECT_STORE_GROUP = 'ObjectStore contract';

const MIB = 1024 * 1024;
/** Set-up and clean-up talk to a live backend: more than a runner's default hook timeout. */
const HOOK_TIMEOUT = 180_000;

/**
 * Registers the ObjectStore contract: round trips (empty, small, large), overwrite, exact
 * prefix listing, missing objects, containers kept apart, exact deletes, Cinder-style names,
 * concurrency, signals, idempotent container creation. Each test works in its own container
 * and prefix and cleans up. `verdict`, when given, hears every outcome, for the groups that
 * run the engine over the same store.
 */
export function defineObjectStoreContract(runner: ConformanceRunner, target: ConformanceTarget, verdict?: StoreVerdict): void {
  const createStore = target.createStore;
  if (!createStore) return;
  const { describe, expect } = runner;
  if (verdict) verdict.expected = true;

  describe(OBJECT_STORE_GROUP, () => {
    const t = new GroupHarness(
      runner,
      target,
      OBJECT_STORE_GROUP,
      verdict ? { onOutcome: (name, passed) => verdict.record(name, passed) } : {},
    );
    const group = new StoreGroup(t, expect);
    let tracked: TrackedStore | undefined;

    runner.beforeAll(async () => {
      tracked = trackWrites(await createStore(), target);
      group.setUp(tracked.store, resolveCapabilities(target, tracked.store), resolveBackdoor(target, tracked.store));
    }, HOOK_TIMEOUT);
    runner.afterAll(async () => {
      await tracked?.cleanUp();
      await tracked?.store.close?.();
    }, HOOK_TIMEOUT);

    defineBasicTests(group);
    defineStoreIsolationTests(group);
    defineStoreSignalTests(group);
  });
}

/** Round trips, listing, missing objects, names and concurrency. */
function defineBasicTests(group: StoreGroup): void {
  const { t, expect, rnd } = group;
  const withScratch = group.withScratch.bind(group);

  t.test('declares its identity and capabilities', async () => {
    expect(typeof group.store.driverId === 'string' && group.store.driverId.length > 0, 'driverId is a non-empty string').toBe(true);
    expect(typeof group.store.serviceName === 'string' && group.store.serviceName.length > 0, 'serviceName is a non-empty string').toBe(
      true,
    );
    expect(group.store.capabilities.maxConcurrency).toBeGreaterThanOrEqual(1);
    const id = globalThis.crypto.randomUUID();
    const container = group.store.containerFor(id, null);
    expect(container.length).toBeGreaterThan(0);
    expect(group.store.containerFor(id, null), 'containerFor is deterministic').toBe(container);
  });

  t.test('checkForSetupError resolves on a working store', async () => {
    await group.store.checkForSetupError();
  });

  t.test('ensureContainer twice is harmless and keeps objects', async () => {
    await withScratch(async (s) => {
      await group.store.ensureContainer(s.container);
      const data = rnd.bytes(1000);
      await s.put(`${s.prefix}kept`, data);
      await group.store.ensureContainer(s.container);
      expect(describeDifference(await group.store.getObject(s.container, `${s.prefix}kept`), data)).toBeNull();
    });
  });

  t.test('round trip of an empty object', async () => {
    await withScratch(async (s) => {
      await s.put(`${s.prefix}empty`, new Uint8Array(0));
      expect(await group.store.getObject(s.container, `${s.prefix}empty`)).toHaveLength(0);
      expect(await group.store.listObjects(s.container, s.prefix)).toEqual([`${s.prefix}empty`]);
      if (group.backdoor) expect(await group.backdoor.readRaw(s.container, `${s.prefix}empty`)).toHaveLength(0);
    });
  });

  t.test('round trip of a small object, as persisted', async () => {
    await withScratch(async (s) => {
      const data = rnd.bytes(4099);
      await s.put(`${s.prefix}small`, data);
      expect(describeDifference(await group.store.getObject(s.container, `${s.prefix}small`), data)).toBeNull();
      if (group.backdoor) {
        expect(describeDifference(await group.backdoor.readRaw(s.container, `${s.prefix}small`), data), 'stored bytes').toBeNull();
        expect(await group.backdoor.listAll(s.container)).toContain(`${s.prefix}small`);
      }
    });
  });

  for (const size of LARGE_OBJECT_SIZES) {
    t.test(
      `round trip of a large object (${describeSize(size)})`,
      async () => {
        await withScratch(async (s) => {
          const data = group.largeBytes(size);
          await s.put(`${s.prefix}large`, data);
          const back = await group.store.getObject(s.container, `${s.prefix}large`);
          expect(back.length, 'bytes read back').toBe(data.length);
          expect(sha256Hex(back) === sha256Hex(data), 'the bytes read back are the bytes put').toBe(true);
        });
      },
      { timeout: 120_000 },
    );
  }

  t.test('keeps the bytes it was given: the engine reuses its buffers once a put resolves', async () => {
    await withScratch(async (s) => {
      const data = rnd.bytes(70_000);
      const kept = data.slice();
      // A view into a larger buffer, as the engine passes: a store must not keep the view.
      const backing = new Uint8Array(100_000);
      backing.set(data, 1000);
      await s.put(`${s.prefix}reused`, backing.subarray(1000, 71_000));
      backing.fill(0x5a);
      expect(describeDifference(await group.store.getObject(s.container, `${s.prefix}reused`), kept)).toBeNull();
    });
  });

  t.test('getObject with a lender returns the object, in a lent buffer of its exact size or a buffer of its own', async () => {
    await withScratch(async (s) => {
      const data = rnd.bytes(300_000);
      await s.put(`${s.prefix}lent`, data);
      // As the engine lends: views of one larger buffer, and a size it records to check.
      const backing = new Uint8Array(400_000).fill(0x5a);
      const asked: number[] = [];
      const allocate = (length: number): Uint8Array => {
        asked.push(length);
        return backing.subarray(4096, 4096 + length);
      };
      const got = await group.store.getObject(s.container, `${s.prefix}lent`, { allocate });
      expect(describeDifference(got, data)).toBeNull();
      if (got.buffer === backing.buffer) {
        expect(asked, 'the lender is asked once, for the object size').toEqual([data.length]);
        expect(got.byteOffset, 'the bytes start where the lent view does').toBe(4096);
      }
      const missing = group.store.getObject(s.container, `${s.prefix}lent-missing`, { allocate });
      expect(await errorCodeOf(missing), 'a missing object is still E_NOT_FOUND with a lender').toBe('E_NOT_FOUND');
    });
  });

  t.test('an object put with flushLater reads back at once, and flush keeps it', async () => {
    await withScratch(async (s) => {
      const data = rnd.bytes(50_000);
      await group.store.putObject(s.container, `${s.prefix}later`, data, { flushLater: true });
      expect(describeDifference(await group.store.getObject(s.container, `${s.prefix}later`), data)).toBeNull();
      await group.store.flush?.(s.container);
      expect(describeDifference(await group.store.getObject(s.container, `${s.prefix}later`), data)).toBeNull();
      if (group.backdoor)
        expect(describeDifference(await group.backdoor.readRaw(s.container, `${s.prefix}later`), data), 'stored bytes').toBeNull();
    });
  });

  t.test('overwrite replaces the whole object', async () => {
    await withScratch(async (s) => {
      const name = `${s.prefix}over`;
      await s.put(name, rnd.bytes(50_000));
      const shorter = rnd.bytes(1234);
      await s.put(name, shorter);
      expect(describeDifference(await group.store.getObject(s.container, name), shorter)).toBeNull();
      if (group.backdoor) expect(describeDifference(await group.backdoor.readRaw(s.container, name), shorter), 'stored bytes').toBeNull();
      expect(await group.store.listObjects(s.container, name)).toEqual([name]);
    });
  });

  t.test('listObjects matches the exact prefix', async () => {
    await withScratch(async (s) => {
      const p = s.prefix;
      const names = ['a-1', 'a-10', 'a-2', 'a_1', 'a_', 'A-1', 'b', 'a'].map((n) => p + n);
      for (const n of names) await s.put(n, new Uint8Array([1]));
      const other = `x${p}a-1`; // contains the prefix but does not start with it
      await s.put(other, new Uint8Array([2]));
      const list = async (prefix: string) => (await group.store.listObjects(s.container, prefix)).sort();
      expect(await list(`${p}a-1`)).toEqual([`${p}a-1`, `${p}a-10`]);
      expect(await list(`${p}a-10`)).toEqual([`${p}a-10`]);
      expect(await list(`${p}a-`)).toEqual([`${p}a-1`, `${p}a-10`, `${p}a-2`]);
      expect(await list(`${p}a_`)).toEqual([`${p}a_`, `${p}a_1`]);
      expect(await list(`${p}A`), 'case-sensitive').toEqual([`${p}A-1`]);
      expect(await list(`${p}a`)).toEqual([`${p}a`, `${p}a-1`, `${p}a-10`, `${p}a-2`, `${p}a_`, `${p}a_1`].sort());
      expect(await list(p)).toEqual([...names].sort());
      expect(await list(`${p}zz`)).toEqual([]);
    });
  });

  t.test('listObjects returns every one of 150 objects', async () => {
    await withScratch(async (s) => {
      const names = Array.from({ length: 150 }, (_, i) => `${s.prefix}${String(i + 1).padStart(5, '0')}`);
      const limit = Math.max(1, Math.min(group.caps.concurrency, group.store.capabilities.maxConcurrency));
      for (let i = 0; i < names.length; i += limit) {
        await Promise.all(names.slice(i, i + limit).map((n) => s.put(n, new Uint8Array([i & 0xff]))));
      }
      const listed = await group.store.listObjects(s.container, s.prefix);
      expect(listed.length).toBe(150);
      expect([...listed].sort()).toEqual(names);
    });
  });

  t.test(
    'listMetadataObjects finds every _metadata object and nothing else',
    async () => {
      await withScratch(async (s) => {
        // Backups in Cinder's object-store layout (below the scratch prefix), and other names.
        const bases = [0, 1, 2].map((n) => `${s.prefix}volume_v${n}/2026010100000${n}/az_nova_backup_${globalThis.crypto.randomUUID()}`);
        const names = bases.flatMap((b) => [`${b}-00001`, `${b}-00002`, `${b}_sha256file`, `${b}_metadata`]);
        names.push(`${s.prefix}loose_backup_x_metadata`, `${s.prefix}notes.txt`, `${s.prefix}deep/er/y_metadata`);
        for (const name of names) await s.put(name, new Uint8Array(1));
        const found = (await group.store.listMetadataObjects?.(s.container)) ?? [];
        expect(found.filter((n) => n.startsWith(s.prefix)).sort()).toEqual(names.filter((n) => n.endsWith('_metadata')).sort());
      });
    },
    { gates: [() => (group.store.listMetadataObjects ? null : 'the store does not offer listMetadataObjects (optional)')] },
  );

  t.test('getObject of a missing object is E_NOT_FOUND', async () => {
    await withScratch(async (s) => {
      expect(await errorCodeOf(group.store.getObject(s.container, `${s.prefix}missing`))).toBe('E_NOT_FOUND');
    });
  });

  t.test('deleteObject removes the object; deleting a missing object succeeds', async () => {
    await withScratch(async (s) => {
      const name = `${s.prefix}gone`;
      await s.put(name, rnd.bytes(10));
      await s.put(`${s.prefix}stays`, rnd.bytes(10));
      await group.store.deleteObject(s.container, name);
      expect(await errorCodeOf(group.store.getObject(s.container, name))).toBe('E_NOT_FOUND');
      expect(await group.store.listObjects(s.container, s.prefix)).toEqual([`${s.prefix}stays`]);
      if (group.backdoor) expect(await group.backdoor.listAll(s.container)).not.toContain(name);
      await group.store.deleteObject(s.container, name);
      await group.store.deleteObject(s.container, `${s.prefix}never-existed`);
    });
  });

  t.test('stores names in the posix/NFS Cinder style', async () => {
    await withScratch(async (s) => {
      const vol = globalThis.crypto.randomUUID();
      const backup = globalThis.crypto.randomUUID();
      const prefix = `volume_${vol}_20240501120400_backup_${backup}`;
      await checkCinderNames(s, prefix, `volume_${vol}`);
    });
  });

  t.test(
    'stores names in the object-store Cinder style (with "/")',
    async () => {
      await withScratch(async (s) => {
        const vol = globalThis.crypto.randomUUID();
        const backup = globalThis.crypto.randomUUID();
        const prefix = `volume_${vol}/20240501120400/az_nova_backup_${backup}`;
        await checkCinderNames(s, prefix, `volume_${vol}/`);
      });
    },
    { gates: [() => (group.caps.slashInNames ? null : 'the store does not take "/" in object names (capabilities.slashInNames)')] },
  );

  async function checkCinderNames(s: Scratch, prefix: string, volumePrefix: string): Promise<void> {
    const names = [`${prefix}-00001`, `${prefix}-00002`, `${prefix}-100000`, `${prefix}_sha256file`, `${prefix}_metadata`];
    const payloads = names.map(() => rnd.bytes(100));
    for (const [i, n] of names.entries()) await s.put(n, payloads[i] as Uint8Array);
    for (const [i, n] of names.entries()) {
      expect(describeDifference(await group.store.getObject(s.container, n), payloads[i] as Uint8Array), n).toBeNull();
    }
    expect((await group.store.listObjects(s.container, prefix)).sort()).toEqual([...names].sort());
    expect((await group.store.listObjects(s.container, `${prefix}-`)).sort()).toEqual(names.slice(0, 3).sort());
    expect((await group.store.listObjects(s.container, volumePrefix)).sort()).toEqual([...names].sort());
    if (group.backdoor) {
      const all = await group.backdoor.listAll(s.container);
      for (const n of names) expect(all).toContain(n);
    }
  }

  t.test('concurrent puts and gets all land', async () => {
    await withScratch(async (s) => {
      const n = group.caps.concurrency;
      const payloads = Array.from({ length: n }, (_, i) => new SeededRandom(1000 + i).bytes(20_000 + i));
      await Promise.all(payloads.map((p, i) => s.put(`${s.prefix}c${i}`, p)));
      const back = await Promise.all(payloads.map((_, i) => group.store.getObject(s.container, `${s.prefix}c${i}`)));
      back.forEach((b, i) => expect(describeDifference(b, payloads[i] as Uint8Array), `object c${i}`).toBeNull());
      expect(await group.store.listObjects(s.container, s.prefix)).toHaveLength(n);
    });
  });
}

function describeSize(bytes: number): string {
  const mib = Math.floor(bytes / MIB);
  const rest = bytes - mib * MIB;
  return rest === 0 ? `${mib} MiB` : `${mib} MiB + ${rest} B`;
}
