import type { BackupDriver, BackupRecord, ObjectStore } from '@volback/core';

/**
 * The part of a test context the suite uses: `skip(note)` marks the running test skipped, as
 * vitest's `ctx.skip` and Jest-style runners' equivalents do. Required: most of the suite's
 * skips depend on the store, which exists only once `beforeAll` has run, so they can only be
 * decided while the test runs; a runner that cannot mark a test skipped then would report it
 * as passed, a check that never ran shown as one that did.
 */
export interface RunnerTestContext {
  /** Marks the running test skipped, with `note` as the reason, and stops it. */
  skip(note?: string): void;
}

/** The assertions the suite uses; vitest's and Jest's `expect` provide them. */
export interface Assertion {
  /** Fails unless the value is `expected` itself (`Object.is`), as vitest's. */
  toBe(expected: unknown): void;
  /** Fails unless the value deeply equals `expected`, as vitest's. */
  toEqual(expected: unknown): void;
  /** Fails unless the value is a number above `expected`. */
  toBeGreaterThan(expected: number): void;
  /** Fails unless the value is a number of at least `expected`. */
  toBeGreaterThanOrEqual(expected: number): void;
  /** Fails unless the value is a number below `expected`. */
  toBeLessThan(expected: number): void;
  /** Fails unless the value is a number of at most `expected`. */
  toBeLessThanOrEqual(expected: number): void;
  /** Fails unless the array (or string) holds `item`. */
  toContain(item: unknown): void;
  /** Fails unless the value's `length` is `length`. */
  toHaveLength(length: number): void;
  /** Fails unless the value is `null`. */
  toBeNull(): void;
  /** Fails unless the string matches the pattern, or contains the string. */
  toMatch(expected: RegExp | string): void;
  /** The same matchers, each failing where it would pass. */
  readonly not: Assertion;
}

/**
 * The test runner the suite registers with: pass vitest's (or a compatible runner's)
 * functions. The suite never imports a runner itself.
 */
export interface ConformanceRunner {
  /** Groups the tests `body` registers under `name`. */
  describe(name: string, body: () => void): void;
  /** Registers one test; `timeout` in milliseconds, the runner's default when unset. */
  it(name: string, body: (context: RunnerTestContext) => Promise<void> | void, timeout?: number): void;
  /** Starts an assertion on `actual`; `message` is shown when it fails. */
  expect(actual: unknown, message?: string): Assertion;
  /** Runs `body` once before the group's tests: the suite opens the store here. */
  beforeAll(body: () => Promise<void> | void, timeout?: number): void;
  /** Runs `body` once after the group's tests: the suite closes the store here. */
  afterAll(body: () => Promise<void> | void, timeout?: number): void;
  /** Runs `body` before each test, where the runner has it. */
  beforeEach?(body: () => Promise<void> | void, timeout?: number): void;
  /** Runs `body` after each test, where the runner has it. */
  afterEach?(body: () => Promise<void> | void, timeout?: number): void;
}

/**
 * A raw view of the storage under test, bypassing the driver (as Auth.js adapters' tests do):
 * the suite uses it to see what really persisted and to corrupt stored objects.
 */
export interface StorageBackdoor {
  /** Every object name in the container, straight from the backend. */
  listAll(container: string): Promise<string[]>;
  /** An object's stored bytes. */
  readRaw(container: string, name: string): Promise<Uint8Array>;
  /** Replaces an object's stored bytes. */
  writeRaw(container: string, name: string, data: Uint8Array): Promise<void>;
}

/**
 * Switches for capability-gated tests. Unset ones are read from the store. There is no switch
 * for large objects: the engine writes objects of its default size (8 MiB, a few bytes more when
 * compression cannot shrink them), so a store that cannot hold them cannot hold a backup.
 */
export interface ConformanceCapabilities {
  /** Puts issued at once by the concurrency test. Default 16. */
  concurrency: number;
  /** Run the Cinder-compatibility group (needs the fixtures). Default true. */
  cinderFixtures: boolean;
  /**
   * The store accepts `/` in object names (object stores do, posix does not). Default: true
   * when the store's own `objectNamePrefix` contains a `/`.
   */
  slashInNames: boolean;
}

/** What the BackupDriver group hands to {@link ConformanceTarget.createDriver}. */
export interface DriverTestContext {
  /**
   * The catalog the suite keeps: every backup the suite makes or imports is put here, so a
   * driver built on core's engine can find parents with it.
   */
  catalog: {
    /** Keeps `record`, replacing one with the same id. */
    put(record: BackupRecord): void;
    /** The record of backup `id`; `NotFoundError` when the suite never put it. */
    get(id: string): Promise<BackupRecord>;
  };
}

/** The implementation under test and what it can do. */
export interface ConformanceTarget {
  /** Shown in the suite's title, e.g. `s3 (s3rver)`. */
  name: string;
  /** Makes the store under test; the ObjectStore group runs only when given. Called once per group. */
  createStore?: () => Promise<ObjectStore>;
  /**
   * Makes the BackupDriver under test. Default: core's `ChunkedBackupDriver` over the store,
   * with the engine's default object size, as every backup a host makes. `store` is undefined
   * when the target has no `createStore` (a direct BackupDriver implementation).
   */
  createDriver?(store: ObjectStore | undefined, context: DriverTestContext): Promise<BackupDriver>;
  /** Overrides of the capabilities read from the store. */
  capabilities?: Partial<ConformanceCapabilities>;
  /** A raw view of the storage, or a function making one for the store the suite created. */
  backdoor?: StorageBackdoor | ((store: ObjectStore) => StorageBackdoor);
  /** Folder of the Cinder fixtures. Default: env `VOLBACK_CINDER_FIXTURES`, else the copy shipped in this package. */
  fixturesDir?: string;
  /** Tests (by name, or a whole group by its name) to skip, with the reason shown in the report. */
  skip?: Record<string, string>;
  /**
   * Removes a container the suite had the store create, once the suite has deleted every object
   * it put there (the ObjectStore contract has no container delete). Optional: without it, empty
   * containers are left in place, except the empty directories of a store with a `localRoot`.
   */
  removeContainer?: (container: string) => Promise<void>;
  /** Runs once after the whole suite, e.g. to remove a temp folder or stop a server. */
  cleanup?: () => Promise<void>;
}
