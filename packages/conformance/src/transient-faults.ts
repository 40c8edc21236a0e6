import {
  BufferRestoreTarget,
  BufferVolumeSource,
  ChunkedBackupDriver,
  DEFAULT_RETRY_POLICY,
  MemoryCatalog,
  newBackupRecord,
  StoreCatalog,
  type BackupDriver,
  type BackupRecord,
  type CompressionAlgorithm,
  type ObjectStore,
} from '@volback/core';
import {
  faultInjectingStore,
  STORE_CALL_KINDS,
  TRANSIENT_FAULT_KINDS,
  type FaultInjectingStore,
  type StoreCallKind,
} from './fault-injecting-store.js';
import { GroupHarness } from './harness.js';
import type { ConformanceRunner, ConformanceTarget } from './runner.js';
import { describeDifference, errorCodeOf, makeVolume, mutateVolume, rejectionOf, SeededRandom } from './test-data.js';

/** The group's name, usable as a key of `target.skip`. */
export const TRANSIENT_FAULTS_GROUP = 'Transient faults';

/** Settings of {@link defineTransientFaultsGroup}. */
export interface TransientFaultsOptions {
  /** Backup + restore cycles. Default 50. */
  cycles?: number;
  /** Share of every kind of store call that fails. Default 0.1. */
  rate?: number;
  /**
   * Seed of the faults and of the backups' ids, volume ids and dates, so a run repeats exactly.
   * Two runs at once on one backend need different seeds. Default 1.
   */
  seed?: number;
  /** Cycles per chain: a full backup, then incrementals on it. Default 10. */
  chainLength?: number;
  /** Volume size. Default 300 KiB plus a partial block. */
  volumeBytes?: number;
  /** Object size of the default driver (a multiple of 32 KiB). Default 32 KiB: ten objects a volume. */
  objectSize?: number;
}

const KIB = 1024;
const TIMEOUT = 600_000;
/** Every codec the engine writes, taken in turn. */
const CODECS: readonly CompressionAlgorithm[] = ['zstd', 'zlib', 'bz2', 'none'];
/** How each of the engine's waits between retries is cut short here (their schedule is core's to test), keeping core's number of tries. */
const QUICK_RETRY = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1, maxDelayMs: 8 };

/**
 * Registers the transient-faults group: with a share of every store call failing (timeouts,
 * resets, HTTP 500/503/429, short reads; see {@link faultInjectingStore}), chains of full and
 * incremental backups, in every codec, restore bit-exact and delete cleanly, and every kind of
 * fault really happened. Then a get that returns too few bytes, silently, is never restored as
 * verified. Runs when the target gives `createStore`; the driver is the target's own
 * (`createDriver`, over the faulty store) or core's chunked engine with a store catalog, so
 * parent lookups and listings meet the faults too.
 */
export function defineTransientFaultsGroup(
  runner: ConformanceRunner,
  target: ConformanceTarget,
  options: TransientFaultsOptions = {},
): void {
  if (!target.createStore) return;
  const createStore = target.createStore;
  const { describe, expect } = runner;
  const cycles = options.cycles ?? 50;
  const rate = options.rate ?? 0.1;
  const seed = options.seed ?? 1;
  const chainLength = options.chainLength ?? 10;
  const volumeBytes = options.volumeBytes ?? 300 * KIB + 1234;
  const objectSize = options.objectSize ?? 32 * KIB;

  describe(TRANSIENT_FAULTS_GROUP, () => {
    let raw: ObjectStore;
    const t = new GroupHarness(runner, target, TRANSIENT_FAULTS_GROUP);
    const opened: { close(): Promise<void> }[] = [];

    runner.beforeAll(async () => {
      raw = await createStore();
    }, TIMEOUT);
    runner.afterAll(async () => {
      for (const d of opened) await d.close().catch(() => undefined);
      await raw?.close?.();
    }, TIMEOUT);

    /** The driver under test over `store`, and how it finds a volume's newest backup (null: it cannot list). */
    async function driverOn(
      store: ObjectStore,
    ): Promise<{ driver: BackupDriver; newestOf: ((volumeId: string) => Promise<string | null>) | null }> {
      if (target.createDriver) return { driver: await target.createDriver(store, { catalog: new MemoryCatalog() }), newestOf: null };
      const driver = new ChunkedBackupDriver(store, { objectSize, retry: QUICK_RETRY, catalog: (io) => new StoreCatalog(io) });
      opened.push(driver);
      const newestOf = async (volumeId: string) => (await driver.catalog.list({ volumeId })).at(-1)?.id ?? null;
      return { driver, newestOf };
    }

    const names = new Names(seed);

    t.test(
      `${cycles} backup + restore cycles with ${Math.round(rate * 100)}% of every store call failing restore bit-exact`,
      async () => {
        const faulty = faultInjectingStore(raw, { rate, seed });
        const { driver, newestOf } = await driverOn(faulty);
        let chain: BackupRecord[] = [];
        let volume: Uint8Array = new Uint8Array();
        for (let cycle = 0; cycle < cycles; cycle++) {
          const full = cycle % chainLength === 0;
          const volumeId = names.uuid(`volume ${Math.floor(cycle / chainLength)}`);
          volume = full ? makeVolume(volumeBytes, seed * 1000 + cycle) : mutateVolume(volume, seed * 1000 + cycle, 3);
          const compression = CODECS[cycle % CODECS.length] as CompressionAlgorithm;
          const parent = chain.at(-1) ?? null;
          try {
            // Found as a host finds it, through the store, when the driver can list.
            const parentId = full ? null : newestOf ? await newestOf(volumeId) : (parent?.id ?? null);
            expect(parentId, 'the newest backup of the volume is the last one made').toBe(full ? null : (parent?.id ?? null));
            const record = newBackupRecord({ id: names.uuid(`backup ${cycle}`), volumeId, parentId, createdAt: names.date(cycle) });
            const made = await driver.backup(record, new BufferVolumeSource(volume), { compression });
            expect(made.kind).toBe(full ? 'full' : 'incremental');
            chain.push(made.record);
            const into = new BufferRestoreTarget();
            await driver.restore(made.record, names.uuid(`restored ${cycle}`), into);
            expect(describeDifference(into.data, volume), `cycle ${cycle} (${compression}) restores bit-exact`).toBeNull();
            const verify = verifierOf(driver);
            if (verify && cycle % 5 === 4) await verify(made.record);
            if (chain.length === chainLength || cycle === cycles - 1) {
              // Newest first, as a user must; through the faults as well.
              for (const r of [...chain].reverse()) await driver.deleteBackup(r);
              await expectNothingLeft(faulty, chain);
              chain = [];
            }
          } catch (err) {
            throw new Error(
              `cycle ${cycle} (${full ? 'full' : 'incremental'}, ${compression}) failed: ${String(err)}; faults so far ${JSON.stringify(faulty.faults)}`,
              { cause: err },
            );
          }
        }
        const { faultsByKind, faultsByCall } = faulty.faults;
        for (const kind of TRANSIENT_FAULT_KINDS) expect(faultsByKind[kind], `${kind} faults injected`).toBeGreaterThan(0);
        for (const call of callsMadeOften(faulty, 5 / rate))
          expect(faultsByCall[call], `faults injected into ${call} calls`).toBeGreaterThan(0);
      },
      { timeout: TIMEOUT },
    );

    t.test(
      'a get that silently returns too few bytes is never restored as verified',
      async () => {
        // Every read of a data object loses its tail: restore and verify must fail, naming one.
        const cutData = faultInjectingStore(raw, {
          rate: { get: 1 },
          kinds: ['truncated-body'],
          seed,
          filter: (c) => isDataObject(c.name),
        });
        const { driver } = await driverOn(cutData);
        cutData.enabled = false;
        const volume = makeVolume(volumeBytes, seed * 1000 + 999);
        const volumeId = names.uuid('truncated volume');
        const made: BackupRecord[] = [];
        for (const [i, compression] of CODECS.entries()) {
          const parentId = made.at(-1)?.id ?? null;
          const record = newBackupRecord({ id: names.uuid(`truncated ${i}`), volumeId, parentId, createdAt: names.date(cycles + i) });
          made.push((await driver.backup(record, new BufferVolumeSource(mutateVolume(volume, i)), { compression })).record);
        }
        cutData.enabled = true;
        try {
          const verify = verifierOf(driver);
          for (const record of made) {
            const outcomes = [await rejectionOf(driver.restore(record, names.uuid('cut'), new BufferRestoreTarget()))];
            if (verify) outcomes.push(await rejectionOf(verify(record)));
            for (const err of outcomes) {
              const { code, objectName } = (err ?? {}) as { code?: unknown; objectName?: unknown };
              expect(code, `backup ${record.id}: ${String(err)}`).toBe('E_INTEGRITY');
              expect(isDataObject(String(objectName)), `the error names the object cut short, not ${String(objectName)}`).toBe(true);
            }
          }
          expect(cutData.faults.faultsByKind['truncated-body'], 'truncated reads').toBeGreaterThan(0);

          // Any object may come back short, _metadata and _sha256file too: right bytes or a typed error, never else.
          const cutAny = faultInjectingStore(raw, { rate: { get: 0.3 }, kinds: ['truncated-body'], seed: seed + 1 });
          const { driver: reader } = await driverOn(cutAny);
          const expected = made.map((_, i) => mutateVolume(volume, i));
          for (let round = 0; round < 5; round++) {
            for (const [i, record] of made.entries()) {
              const into = new BufferRestoreTarget();
              const outcome = await errorCodeOf(reader.restore(record, names.uuid(`any ${round} ${i}`), into));
              if (outcome === 'no error')
                expect(describeDifference(into.data, expected[i] as Uint8Array), `round ${round}, backup ${i}`).toBeNull();
              else expect(['E_INTEGRITY', 'E_INVALID_BACKUP'], `round ${round}, backup ${i}`).toContain(outcome);
            }
          }
          expect(cutAny.faults.faultsByKind['truncated-body'], 'truncated reads').toBeGreaterThan(0);
        } finally {
          cutData.enabled = false;
          for (const r of made.reverse()) await driver.deleteBackup(r);
        }
      },
      { timeout: TIMEOUT },
    );
  });
}

/** The driver's `verify` (core's engine has one; the BackupDriver interface does not), or null. */
function verifierOf(driver: BackupDriver): ((record: BackupRecord) => Promise<unknown>) | null {
  const verify = (driver as { verify?: unknown }).verify;
  return typeof verify === 'function' ? (record) => (verify as (r: BackupRecord) => Promise<unknown>).call(driver, record) : null;
}

/**
 * The kinds of call made at least `times` times: each must have met faults. Made 5 / rate
 * times, a kind of call meets none in fewer than 1 run in 100; rarer ones are not asked to.
 */
function callsMadeOften(store: FaultInjectingStore, times: number): StoreCallKind[] {
  return STORE_CALL_KINDS.filter((k) => store.faults.calls[k] >= times);
}

/** A data object's name ends in a five-digit (or longer) number; `_metadata` and `_sha256file` do not. */
function isDataObject(name: string): boolean {
  return /-\d{5,}$/.test(name);
}

/** Every object of the chain is gone (looked at without faults). */
async function expectNothingLeft(store: FaultInjectingStore, chain: BackupRecord[]): Promise<void> {
  store.enabled = false;
  try {
    for (const r of chain) {
      const left = await store.listObjects(r.container as string, r.serviceMetadata as string);
      if (left.length > 0) throw new Error(`backup ${r.id} was deleted but ${left.length} object(s) remain, e.g. ${left[0]}`);
    }
  } finally {
    store.enabled = true;
  }
}

/** Ids and dates drawn from the seed: the same run names the same objects, so it meets the same faults. */
class Names {
  constructor(private readonly seed: number) {}

  /** A version-4-shaped UUID for `label`. */
  uuid(label: string): string {
    const b = SeededRandom.forLabel(this.seed, label).bytes(16);
    b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
    b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
    const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** One second apart, so backups sort in the order they were made. */
  date(n: number): Date {
    return new Date(Date.UTC(2024, 0, 1) + n * 1000);
  }
}
