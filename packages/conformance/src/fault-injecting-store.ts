import { setTimeout as sleep } from 'node:timers/promises';
import {
  BackendError,
  CancelledError,
  type GetObjectOptions,
  type ObjectStore,
  type PutObjectOptions,
  type StoreCallOptions,
} from '@volback/core';
import { SeededRandom } from './test-data.js';

/** The store calls a fault can hit. */
export type StoreCallKind = 'put' | 'get' | 'delete' | 'list' | 'ensureContainer' | 'flush' | 'listMetadataObjects' | 'listContainers';

/** Every {@link StoreCallKind}, for a test that walks them all or a rate per kind. */
export const STORE_CALL_KINDS: readonly StoreCallKind[] = [
  'put',
  'get',
  'delete',
  'list',
  'ensureContainer',
  'flush',
  'listMetadataObjects',
  'listContainers',
];

/**
 * Failures a real backend gives now and then, which a retry cures; each rejects with a
 * `BackendError` whose `transient` is true, as a correct driver reports them:
 * - `timeout`: no answer in time (an SDK's request timeout), after a short delay;
 * - `connection-reset`: the connection dropped (`ECONNRESET`, "socket hang up");
 * - `http-500`, `http-503`: the backend failed, or is unavailable (S3's `SlowDown`);
 * - `throttled`: HTTP 429, too many requests;
 * - `short-read`: a get whose body ended early ("body ended after N of M bytes").
 *
 * A timeout, a reset or a 500 may come after the backend did the work (the answer was lost on
 * the way back): the store then holds what a put wrote, or lacks what a delete removed, and
 * the retry must cope. A 503 or a 429 always comes before.
 */
export type TransientFaultKind = 'timeout' | 'connection-reset' | 'http-500' | 'http-503' | 'throttled' | 'short-read';

/** Every {@link TransientFaultKind}: the faults injected when a test names none. */
export const TRANSIENT_FAULT_KINDS: readonly TransientFaultKind[] = [
  'timeout',
  'connection-reset',
  'http-500',
  'http-503',
  'throttled',
  'short-read',
];

/**
 * Every fault the wrapper injects. `truncated-body` is opt-in and no error at all: a get that
 * returns the first bytes of the object only, as a driver that does not check a body's length
 * would. Nothing may accept such data as verified: the engine must end in a typed
 * `E_INTEGRITY` or `E_INVALID_BACKUP` error, never in wrong data.
 */
export type FaultKind = TransientFaultKind | 'truncated-body';

/** One store call, as {@link FaultOptions.filter} sees it. */
export interface FaultCall {
  /** Which store call it is. */
  kind: StoreCallKind;
  /** Empty for `listContainers`. */
  container: string;
  /** The object's name; the prefix for `list`; empty for calls on a whole container. */
  name: string;
}

/** Settings of {@link faultInjectingStore}. */
export interface FaultOptions {
  /**
   * Share of calls that fail, from 0 to 1: one figure for every kind of call, or one per kind
   * (kinds left out never fail), e.g. `{ get: 0.2 }`.
   */
  rate: number | Partial<Record<StoreCallKind, number>>;
  /**
   * Faults to draw from, evenly. Default: every transient kind. A call that cannot have a kind
   * (a short read on a put) draws from the others; a call none fits is left alone.
   */
  kinds?: readonly FaultKind[];
  /**
   * Seed of the fault pattern. Whether a call fails, and how, depends on the seed, the call's
   * kind, container and name, and how many such calls came before: not on the order concurrent
   * calls run in. Same seed, same names (give backups fixed ids and dates): same faults. Default 1.
   */
  seed?: number;
  /** How long a `timeout` takes to fail. Default 5 ms: a real timeout's wait is not the point. */
  timeoutMs?: number;
  /** Only calls this accepts can fail, e.g. `(c) => !c.name.endsWith('_metadata')`. Default: all. */
  filter?: (call: FaultCall) => boolean;
}

/** What the wrapper saw and did, live: tests assert faults really happened. */
export interface FaultCounts {
  /** Calls made, per kind of call (faulted or not). */
  calls: Record<StoreCallKind, number>;
  /** Faults injected, per kind of call. */
  faultsByCall: Record<StoreCallKind, number>;
  /** Faults injected, per kind of fault. */
  faultsByKind: Record<FaultKind, number>;
  /** Faults injected in all. */
  total: number;
}

/** A store with faults injected into its calls; see {@link faultInjectingStore}. */
export interface FaultInjectingStore extends ObjectStore {
  /** Counts so far. */
  readonly faults: FaultCounts;
  /** False: every call goes straight through, uncounted (e.g. to set up or check a test). Default true. */
  enabled: boolean;
}

/** The error behind each injected fault, as its `cause`: what the network or SDK said. */
export class InjectedFault extends Error {
  constructor(
    message: string,
    /** Which fault this is, so a test can count or assert the kinds it saw. */
    readonly kind: FaultKind,
    /** The errno-style code, for a timeout or a reset. */
    readonly code?: string,
    /** The HTTP status, for a backend's answer. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'InjectedFault';
  }
}

/** Faults a call of each kind can have. */
const FITS: Record<FaultKind, (call: StoreCallKind) => boolean> = {
  timeout: () => true,
  'connection-reset': () => true,
  'http-500': () => true,
  'http-503': () => true,
  throttled: () => true,
  'short-read': (call) => call === 'get',
  'truncated-body': (call) => call === 'get',
};

/** Faults that may strike after the backend did the work. */
const MAY_COME_AFTER = new Set<FaultKind>(['timeout', 'connection-reset', 'http-500']);

/**
 * `store`, failing a share of its calls (`rate`) with the faults a real backend gives
 * ({@link TransientFaultKind}; `truncated-body` when asked): run a driver's backups and
 * restores over it to prove they survive a flaky backend, and read `faults` to see that faults
 * really happened. Naming and set-up calls (`objectNamePrefix`, `containerFor`,
 * `checkForSetupError`, `close`) are passed through.
 *
 * @example
 * ```ts
 * const store = faultInjectingStore(new MyObjectStore(), { rate: 0.1, seed: 7 });
 * const driver = new ChunkedBackupDriver(store);
 * // ... back up and restore; then:
 * expect(store.faults.faultsByKind['connection-reset']).toBeGreaterThan(0);
 * ```
 */
export function faultInjectingStore(store: ObjectStore, options: FaultOptions): FaultInjectingStore {
  const injector = new FaultInjector(options);
  const wrapped: FaultInjectingStore = {
    driverId: store.driverId,
    serviceName: store.serviceName,
    capabilities: store.capabilities,
    get faults() {
      return injector.counts;
    },
    get enabled() {
      return injector.enabled;
    },
    set enabled(on: boolean) {
      injector.enabled = on;
    },
    ensureContainer: (c, o) => injector.around({ kind: 'ensureContainer', container: c, name: '' }, o, () => store.ensureContainer(c, o)),
    putObject: (c, n, d, o?: PutObjectOptions) =>
      injector.around({ kind: 'put', container: c, name: n }, o, () => store.putObject(c, n, d, o)),
    getObject: (c, n, o?: GetObjectOptions) => injector.get({ kind: 'get', container: c, name: n }, o, () => store.getObject(c, n, o)),
    deleteObject: (c, n, o) => injector.around({ kind: 'delete', container: c, name: n }, o, () => store.deleteObject(c, n, o)),
    listObjects: (c, p, o) => injector.around({ kind: 'list', container: c, name: p }, o, () => store.listObjects(c, p, o)),
    objectNamePrefix: (r) => store.objectNamePrefix(r),
    containerFor: (id, requested) => store.containerFor(id, requested),
    checkForSetupError: () => store.checkForSetupError(),
  };
  if (store.flush) {
    const flush = store.flush.bind(store);
    wrapped.flush = (c, o) => injector.around({ kind: 'flush', container: c, name: '' }, o, () => flush(c, o));
  }
  if (store.listMetadataObjects) {
    const find = store.listMetadataObjects.bind(store);
    wrapped.listMetadataObjects = (c, o) => injector.around({ kind: 'listMetadataObjects', container: c, name: '' }, o, () => find(c, o));
  }
  if (store.listContainers) {
    const list = store.listContainers.bind(store);
    wrapped.listContainers = (o) => injector.around({ kind: 'listContainers', container: '', name: '' }, o, () => list(o));
  }
  if (store.close) wrapped.close = store.close.bind(store);
  return wrapped;
}

/** Decides, per call, whether and how it fails, and keeps the counts. */
class FaultInjector {
  enabled = true;
  readonly counts: FaultCounts = {
    calls: zeroes(STORE_CALL_KINDS),
    faultsByCall: zeroes(STORE_CALL_KINDS),
    faultsByKind: zeroes<FaultKind>([...TRANSIENT_FAULT_KINDS, 'truncated-body']),
    total: 0,
  };
  private readonly seed: number;
  private readonly kinds: readonly FaultKind[];
  private readonly timeoutMs: number;
  /** Calls seen per label, so each retry of a call draws afresh. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly options: FaultOptions) {
    this.seed = options.seed ?? 1;
    this.kinds = options.kinds ?? TRANSIENT_FAULT_KINDS;
    this.timeoutMs = options.timeoutMs ?? 5;
    for (const rate of typeof options.rate === 'number' ? [options.rate] : Object.values(options.rate)) {
      if (!(rate >= 0 && rate <= 1)) throw new RangeError(`faultInjectingStore: a rate is a share of calls from 0 to 1, got ${rate}`);
    }
  }

  /** A call that fails before or after it reaches the store, or not at all. */
  async around<T>(call: FaultCall, opts: StoreCallOptions | undefined, run: () => Promise<T>): Promise<T> {
    const fault = this.draw(call);
    if (!fault) return run();
    if (fault.after) await run(); // done, but the answer is lost on its way back
    return this.fail(call, fault.kind, opts);
  }

  /** A get: the network faults, and the two kinds of short body. */
  async get(call: FaultCall, opts: GetObjectOptions | undefined, run: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const fault = this.draw(call);
    if (!fault) return run();
    if (fault.kind !== 'short-read' && fault.kind !== 'truncated-body') {
      if (fault.after) await run();
      return this.fail(call, fault.kind, opts);
    }
    const bytes = await run();
    if (bytes.length === 0) return bytes; // nothing to cut short
    const kept = fault.random.below(bytes.length);
    this.count(call, fault.kind);
    if (fault.kind === 'truncated-body') return bytes.subarray(0, kept);
    // What lies past the break is whatever the buffer held: not the object's bytes.
    bytes.fill(0xee, kept);
    throw new BackendError(`${describe(call)}: body ended after ${kept} of ${bytes.length} bytes`, true, {
      cause: new InjectedFault(`premature close after ${kept} of ${bytes.length} bytes`, 'short-read', 'ERR_STREAM_PREMATURE_CLOSE'),
    });
  }

  /** Whether this call fails, how, and when; null for most calls. */
  private draw(call: FaultCall): { kind: FaultKind; after: boolean; random: SeededRandom } | null {
    if (!this.enabled) return null;
    this.counts.calls[call.kind] += 1;
    const rate = typeof this.options.rate === 'number' ? this.options.rate : (this.options.rate[call.kind] ?? 0);
    if (rate <= 0 || (this.options.filter && !this.options.filter(call))) return null;
    const label = `${call.kind}\n${call.container}\n${call.name}`;
    const nth = this.seen.get(label) ?? 0;
    this.seen.set(label, nth + 1);
    const random = SeededRandom.forLabel(this.seed, `${label}\n${nth}`);
    if (random.fraction() >= rate) return null;
    const fitting = this.kinds.filter((k) => FITS[k](call.kind));
    if (fitting.length === 0) return null;
    const kind = random.pick(fitting);
    return { kind, after: MAY_COME_AFTER.has(kind) && random.below(2) === 1, random };
  }

  private count(call: FaultCall, kind: FaultKind): void {
    this.counts.faultsByCall[call.kind] += 1;
    this.counts.faultsByKind[kind] += 1;
    this.counts.total += 1;
  }

  /** Rejects as the backend, the network or the SDK would. */
  private async fail(call: FaultCall, kind: FaultKind, opts: StoreCallOptions | undefined): Promise<never> {
    this.count(call, kind);
    const what = describe(call);
    switch (kind) {
      case 'timeout':
        try {
          await sleep(this.timeoutMs, undefined, { signal: opts?.signal });
        } catch (err) {
          throw new CancelledError(`${what}: cancelled`, { cause: err });
        }
        throw new BackendError(`${what}: request timed out after ${this.timeoutMs} ms`, true, {
          cause: new InjectedFault(`timeout after ${this.timeoutMs} ms`, kind, 'ETIMEDOUT'),
        });
      case 'connection-reset':
        throw new BackendError(`${what}: socket hang up (ECONNRESET)`, true, {
          cause: new InjectedFault('read ECONNRESET', kind, 'ECONNRESET'),
        });
      case 'http-500':
        throw new BackendError(`${what}: HTTP 500 InternalError`, true, {
          cause: new InjectedFault('We encountered an internal error. Please try again.', kind, undefined, 500),
        });
      case 'http-503':
        throw new BackendError(`${what}: HTTP 503 SlowDown`, true, {
          cause: new InjectedFault('Please reduce your request rate.', kind, undefined, 503),
        });
      case 'throttled':
        throw new BackendError(`${what}: HTTP 429 Too Many Requests`, true, {
          cause: new InjectedFault('Too Many Requests', kind, undefined, 429),
        });
      default:
        // Short bodies are made by `get`, which reads the body first.
        throw new Error(`faultInjectingStore: ${kind} cannot fail a ${call.kind}`);
    }
  }
}

function describe(call: FaultCall): string {
  const path = [call.container, call.name].filter((p) => p !== '').join('/');
  return `injected fault: ${call.kind}${path ? ` ${path}` : ''}`;
}

function zeroes<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}
