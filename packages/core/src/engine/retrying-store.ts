import type { GetObjectOptions, ObjectStore, StoreCallOptions } from '../object-store.js';
import { withRetry, type RetryPolicy } from './retry.js';

/**
 * The same store, with every data call retried on transient errors. The engine talks to stores
 * only through this, so no driver has to write its own retry loop.
 */
export function retryingStore(store: ObjectStore, policy: RetryPolicy): ObjectStore {
  const retry = <T>(fn: () => Promise<T>, opts?: StoreCallOptions): Promise<T> => withRetry(fn, policy, opts?.signal);
  const wrapped: ObjectStore = {
    driverId: store.driverId,
    serviceName: store.serviceName,
    capabilities: store.capabilities,
    ensureContainer: (c, o) => retry(() => store.ensureContainer(c, o), o),
    putObject: (c, n, d, o) => retry(() => store.putObject(c, n, d, o), o),
    getObject: (c, n, o?: GetObjectOptions) => retry(() => store.getObject(c, n, o), o),
    deleteObject: (c, n, o) => retry(() => store.deleteObject(c, n, o), o),
    listObjects: (c, p, o) => retry(() => store.listObjects(c, p, o), o),
    objectNamePrefix: (r) => store.objectNamePrefix(r),
    containerFor: (id, requested) => store.containerFor(id, requested),
    checkForSetupError: () => store.checkForSetupError(),
  };
  if (store.flush) {
    const flush = store.flush.bind(store);
    wrapped.flush = (c, o) => retry(() => flush(c, o), o);
  }
  if (store.listContainers) {
    const list = store.listContainers.bind(store);
    wrapped.listContainers = (o) => retry(() => list(o), o);
  }
  return wrapped;
}
