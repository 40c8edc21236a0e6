import type { ObjectStore } from '../../object-store.js';
import { Semaphore } from '../flow/semaphore.js';
import { aroundStoreCalls } from './store-calls.js';

/**
 * The same store, with at most `capabilities.maxConcurrency` data calls in flight, whoever makes
 * them: a backup's puts (an incremental's chunk can hold many objects), a restore's chain
 * loading and its fetches all count against what the store declares it takes.
 */
export function limitedStore(store: ObjectStore): ObjectStore {
  const calls = new Semaphore(Math.max(1, store.capabilities.maxConcurrency));
  return aroundStoreCalls(store, (call) => calls.use(call));
}
