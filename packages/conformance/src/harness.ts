import type { ObjectStore } from '@volback/core';
import type { ConformanceCapabilities, ConformanceRunner, ConformanceTarget, RunnerTestContext, StorageBackdoor } from './runner.js';

/** Returned by a gate: null to run the test, else why it is skipped. */
export type Gate = () => string | null;

/** What a group adds to each of its tests. */
export interface GroupOptions {
  /** Checked before each test's own gates, except for tests registered with `precondition`. */
  gates?: Gate[];
  /** Told each test's outcome once its body has run (not when it was skipped). */
  onOutcome?: (testName: string, passed: boolean) => void;
}

/** Options of one test. */
export interface TestOptions {
  /** Checked in order when the test runs. */
  gates?: Gate[];
  timeout?: number;
  /** The test checks the group's own preconditions, so the group's gates do not apply to it. */
  precondition?: boolean;
}

/**
 * Registers tests of one group, applying the target's skip list and capability gates at run
 * time (capabilities may come from a store that exists only once `beforeAll` has run).
 */
export class GroupHarness {
  constructor(
    private readonly runner: ConformanceRunner,
    private readonly target: ConformanceTarget,
    private readonly groupName: string,
    private readonly group: GroupOptions = {},
  ) {}

  /** Registers one test; its body may skip itself with the `skip` it is given. */
  test(name: string, body: (skip: (reason: string) => void) => Promise<void> | void, options: TestOptions = {}): void {
    const listed = this.target.skip?.[name] ?? this.target.skip?.[this.groupName];
    const gates = [...(options.precondition ? [] : (this.group.gates ?? [])), ...(options.gates ?? [])];
    this.runner.it(
      name,
      async (context: RunnerTestContext) => {
        let skipped = false;
        const skip = (reason: string) => {
          skipped = true;
          skipNow(context, reason);
        };
        if (listed !== undefined) return skip(`skipped by the target: ${listed}`);
        for (const gate of gates) {
          const reason = gate();
          if (reason !== null) return skip(reason);
        }
        try {
          await body(skip);
        } catch (err) {
          // A runner's skip may throw to end the test: that is no failure.
          if (!skipped) this.group.onOutcome?.(name, false);
          throw err;
        }
        if (!skipped) this.group.onOutcome?.(name, true);
      },
      options.timeout ?? 60_000,
    );
  }
}

/**
 * Marks the running test skipped through the runner. A runner whose test context has no `skip`
 * gets an error, not a pass: the suite's gates are decided at run time (capabilities are read
 * from a store made in `beforeAll`), so registering the test as skipped up front is no way out,
 * and a test that returned without running would be counted as one that passed.
 */
function skipNow(context: RunnerTestContext | undefined, reason: string): void {
  if (typeof context?.skip !== 'function') {
    throw new Error(
      `volback conformance: this test is to be skipped (${reason}), but the test runner gives it no ctx.skip(note) ` +
        "and returning would report it as passed: use a runner whose test context can skip (vitest's does)",
    );
  }
  context.skip(reason);
}

/** Capabilities for a store: the target's overrides over what the store declares. */
export function resolveCapabilities(target: ConformanceTarget, store: ObjectStore | undefined): ConformanceCapabilities {
  const declared = target.capabilities ?? {};
  return {
    concurrency: declared.concurrency ?? 16,
    cinderFixtures: declared.cinderFixtures ?? true,
    slashInNames: declared.slashInNames ?? (store ? storeUsesSlashes(store) : false),
  };
}

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
