import type { ObjectStore } from '../../object-store.js';
import { checkRetryPolicy, withRetry, type RetryPolicy } from './retry.js';
import { aroundStoreCalls } from './store-calls.js';

/**
 * The same store, with every data call retried on transient errors. The engine talks to stores
 * only through this, so no driver has to write its own retry loop. Throws a `ConfigError` for a
 * policy that cannot be followed.
 */
export function retryingStore(store: ObjectStore, policy: RetryPolicy): ObjectStore {
  checkRetryPolicy(policy);
  return aroundStoreCalls(store, (call, opts) => withRetry(call, policy, opts?.signal));
}
