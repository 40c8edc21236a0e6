import type { ObjectStore } from '@volback/core';
import type { ConformanceCapabilities, ConformanceRunner, ConformanceTarget, RunnerTestContext, StorageBackdoor } from './runner.js';

/** Returned by a gate: null to run the test, else why it is skipped. */
export type Gate = () => string | null;

/**
 * Registers tests of one group, applying the target's skip list and capability gates at run
 * time (capabilities may come from a store that exists only once `beforeAll` has run).
 */
export class GroupHarness {
  constructor(
    private readonly runner: ConformanceRunner,
    private readonly target: ConformanceTarget,
    private readonly groupName: string,
  ) {}

  /** Registers one test. `gates` are checked in order when it runs. */
  test(name: string, body: () => Promise<void>, options: { gates?: Gate[]; timeout?: number } = {}): void {
    const listed = this.target.skip?.[name] ?? this.target.skip?.[this.groupName];
    this.runner.it(
      name,
      async (context: RunnerTestContext) => {
        if (listed !== undefined) return skipNow(context, `skipped by the target: ${listed}`);
        for (const gate of options.gates ?? []) {
          const reason = gate();
          if (reason !== null) return skipNow(context, reason);
        }
        await body();
      },
      options.timeout ?? 60_000,
    );
  }
}

/** Marks the running test skipped where the runner can (vitest's `ctx.skip`), else notes it and passes. */
function skipNow(context: RunnerTestContext | undefined, reason: string): void {
  if (typeof context?.skip === 'function') {
    context.skip(reason);
    return;
  }
  console.info(`[volback conformance] skipped: ${reason}`);
}

/** Capabilities for a store: the target's overrides over what the store declares. */
export function resolveCapabilities(target: ConformanceTarget, store: ObjectStore | undefined): ConformanceCapabilities {
  const declared = target.capabilities ?? {};
  const maxBytes = store?.capabilities.maxObjectBytes;
  return {
    ranges: declared.ranges ?? store?.capabilities.ranges ?? false,
    largeObjects: declared.largeObjects ?? (maxBytes === undefined || maxBytes >= LARGE_OBJECT_BYTES),
    concurrency: declared.concurrency ?? 16,
    cinderFixtures: declared.cinderFixtures ?? true,
    slashInNames: declared.slashInNames ?? (store ? storeUsesSlashes(store) : false),
  };
}

/** Size of the large-object round trip. */
export const LARGE_OBJECT_BYTES = 64 * 1024 * 1024;

function storeUsesSlashes(store: ObjectStore): boolean {
  const probe = {
    id: '00000000-0000-4000-8000-000000000000',
    volumeId: '11111111-1111-4111-8111-111111111111',
    parentId: null,
    container: null,
    serviceMetadata: null,
    objectCount: 0,
    size: 0,
    service: null,
    availabilityZone: 'nova',
    displayName: null,
    displayDescription: null,
    createdAt: new Date(0),
    dataTimestamp: null,
    encryptionKeyId: null,
    status: 'creating' as const,
    extra: {},
  };
  try {
    return store.objectNamePrefix(probe).includes('/');
  } catch {
    return false;
  }
}

/** The target's backdoor for this store, if it has one. */
export function resolveBackdoor(target: ConformanceTarget, store: ObjectStore | undefined): StorageBackdoor | undefined {
  const b = target.backdoor;
  if (typeof b === 'function') return store ? b(store) : undefined;
  return b;
}

/**
 * The store, watched: every container it is asked to create is remembered, so the suite can
 * remove the empty ones afterwards (`deleteContainer`, where the store has it) and leave a live
 * backend as it found it.
 */
export function trackContainers(store: ObjectStore): { store: ObjectStore; removeEmptyContainers(): Promise<void> } {
  const containers = new Set<string>();
  const ensureContainer: ObjectStore['ensureContainer'] = (container, opts) => {
    containers.add(container);
    return store.ensureContainer(container, opts);
  };
  // A proxy, not a subclass: methods keep the real store as `this`, whatever state they keep.
  const tracked = new Proxy(store, {
    get(target, prop) {
      if (prop === 'ensureContainer') return ensureContainer;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    store: tracked,
    async removeEmptyContainers() {
      if (!store.deleteContainer) return;
      for (const c of containers) await store.deleteContainer(c).catch(() => undefined);
    },
  };
}
