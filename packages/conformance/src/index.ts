/**
 * `@volback/conformance`: the suite every volback driver passes, published so third parties
 * run the very same tests against their own drivers.
 *
 * @example
 * ```ts
 * import { describe, it, expect, beforeAll, afterAll } from 'vitest';
 * import { defineConformanceSuite } from '@volback/conformance';
 * defineConformanceSuite({ describe, it, expect, beforeAll, afterAll }, {
 *   name: 'my-store',
 *   createStore: async () => new MyObjectStore(),
 * });
 * ```
 */
import { defineBackupDriverContract } from './backup-driver-contract.js';
import { defineCinderCompat } from './cinder-compat.js';
import { defineObjectStoreContract } from './object-store-contract.js';
import type { ConformanceRunner, ConformanceTarget } from './runner.js';
import { StoreVerdict } from './store-verdict.js';

/**
 * Registers the conformance suite with the caller's test runner: one `describe` named after
 * the target, holding the ObjectStore contract (when `createStore` is given), the BackupDriver
 * contract (core's chunked engine over the store, or the target's own `createDriver`) and the
 * Cinder-compatibility group (when fixtures are available). Tests a target cannot run are
 * reported as skipped with the reason.
 */
export function defineConformanceSuite(runner: ConformanceRunner, target: ConformanceTarget): void {
  runner.describe(`volback conformance: ${target.name}`, () => {
    // The groups after the ObjectStore contract run the engine over the same store: when the
    // store fails its contract they report that once instead of failing on its consequences.
    const verdict = new StoreVerdict();
    defineObjectStoreContract(runner, target, verdict);
    defineBackupDriverContract(runner, target, verdict);
    defineCinderCompat(runner, target, verdict);
    if (target.cleanup) runner.afterAll(target.cleanup, 300_000);
  });
}

export type {
  Assertion,
  ConformanceCapabilities,
  ConformanceRunner,
  ConformanceTarget,
  DriverTestContext,
  RunnerTestContext,
  StorageBackdoor,
} from './runner.js';
export { defineObjectStoreContract, OBJECT_STORE_GROUP } from './object-store-contract.js';
export { LARGE_OBJECT_SIZES } from './store-group.js';
export { ABORT_BOUND_MS } from './store-signal-tests.js';
export { StoreVerdict } from './store-verdict.js';
export { defineBackupDriverContract, BACKUP_DRIVER_GROUP } from './backup-driver-contract.js';
export { defineCinderCompat, CINDER_GROUP, FIXTURES_ENV, BUNDLED_FIXTURES } from './cinder-compat.js';
export { describeDifference, makeVolume, mutateVolume, SeededRandom, sha256Hex } from './test-data.js';
export {
  faultInjectingStore,
  InjectedFault,
  STORE_CALL_KINDS,
  TRANSIENT_FAULT_KINDS,
  type FaultCall,
  type FaultCounts,
  type FaultInjectingStore,
  type FaultKind,
  type FaultOptions,
  type StoreCallKind,
  type TransientFaultKind,
} from './fault-injecting-store.js';
export { definePluginPackageChecks, PLUGIN_PACKAGE_GROUP } from './plugin-package.js';
export { defineTransientFaultsGroup, TRANSIENT_FAULTS_GROUP, type TransientFaultsOptions } from './transient-faults.js';
export {
  describeWithTestServer,
  howToStartTestServer,
  testServerEnv,
  type TestServerRunner,
  type TestServerSpec,
} from './test-server.js';
