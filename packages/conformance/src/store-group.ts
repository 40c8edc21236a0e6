import { DEFAULT_OBJECT_SIZE, type ObjectStore } from '@volback/core';
import type { GroupHarness } from './harness.js';
import type { Assertion, ConformanceCapabilities, StorageBackdoor } from './runner.js';
import { randomToken, SeededRandom } from './test-data.js';

const MIB = 1024 * 1024;

/**
 * Sizes of the large round trips: a few bytes over the engine's object size (what it writes
 * when compression cannot shrink a chunk), and one past 16 MiB, where read buffers and
 * single-request uploads often end. Never skipped: a store that cannot hold them cannot hold
 * a backup made with the default settings.
 */
export const LARGE_OBJECT_SIZES = [DEFAULT_OBJECT_SIZE + 5, 17 * MIB + 3] as const;

/** A per-test area: its own container and name prefix; every object put through it is deleted after the test. */
export interface Scratch {
  container: string;
  prefix: string;
  /** Puts `data` under `name`, in the scratch container unless another is given. */
  put(name: string, data: Uint8Array, container?: string): Promise<void>;
  /** A container other than `container`, created for this test. */
  otherContainer(): Promise<string>;
}

/**
 * What the ObjectStore group's tests share: the store under test (made in `beforeAll`, so read
 * only inside tests), its capabilities and backdoor, and scratch areas.
 */
export class StoreGroup {
  /** Seeded bytes for every test's payloads. */
  readonly rnd = new SeededRandom(0x5eed);
  private current: { store: ObjectStore; caps: ConformanceCapabilities; backdoor: StorageBackdoor | undefined } | undefined;
  private large: Uint8Array | undefined;

  constructor(
    readonly t: GroupHarness,
    readonly expect: (actual: unknown, message?: string) => Assertion,
  ) {}

  /** Called by `beforeAll`. */
  setUp(store: ObjectStore, caps: ConformanceCapabilities, backdoor: StorageBackdoor | undefined): void {
    this.current = { store, caps, backdoor };
  }

  get store(): ObjectStore {
    return this.ready().store;
  }

  get caps(): ConformanceCapabilities {
    return this.ready().caps;
  }

  get backdoor(): StorageBackdoor | undefined {
    return this.ready().backdoor;
  }

  /** The first `length` bytes of one seeded buffer, made once for every large test. */
  largeBytes(length: number): Uint8Array {
    if (!this.large || this.large.length < length) this.large = new SeededRandom(7).bytes(length);
    return this.large.subarray(0, length);
  }

  /** Runs `body` in a fresh container and prefix, then deletes what it put. */
  async withScratch(body: (s: Scratch) => Promise<void>): Promise<void> {
    const store = this.store;
    const container = store.containerFor(globalThis.crypto.randomUUID(), null);
    await store.ensureContainer(container);
    const put = new Map<string, Set<string>>([[container, new Set()]]);
    const prefix = `cf_${randomToken()}_`;
    const scratch: Scratch = {
      container,
      prefix,
      async put(name, data, into = container) {
        const names = put.get(into) ?? new Set<string>();
        put.set(into, names.add(name));
        await store.putObject(into, name, data);
      },
      otherContainer: () => this.otherContainer(container),
    };
    try {
      await body(scratch);
    } finally {
      const names = put.get(container) as Set<string>;
      for (const name of await store.listObjects(container, prefix).catch(() => [] as string[])) names.add(name);
      for (const [c, set] of put) await Promise.all([...set].map((n) => store.deleteObject(c, n).catch(() => undefined)));
    }
  }

  /**
   * A container other than `taken`: the default one of another backup where each backup has its
   * own (posix), else one the user names, as with Cinder's `--container` (a bucket store).
   */
  private async otherContainer(taken: string): Promise<string> {
    const store = this.store;
    const id = globalThis.crypto.randomUUID();
    let other = store.containerFor(id, null);
    if (other === taken) other = store.containerFor(id, `vbcf-${randomToken()}`);
    this.expect(other, 'containerFor gives every backup the same container, even when the user names another').not.toBe(taken);
    try {
      await store.ensureContainer(other);
    } catch (err) {
      throw new Error(
        `cannot create a second container (${other}) to check that containers are kept apart: ${String((err as Error)?.message ?? err)}; ` +
          'give the target a store that may create one, or skip this test by name',
        { cause: err },
      );
    }
    return other;
  }

  private ready(): NonNullable<StoreGroup['current']> {
    if (!this.current) throw new Error('conformance: the ObjectStore group has no store (its beforeAll did not run or failed)');
    return this.current;
  }
}
