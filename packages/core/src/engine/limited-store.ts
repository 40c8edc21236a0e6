import type { GetObjectOptions, ObjectStore } from '../object-store.js';
import { Slots } from './slots.js';

/**
 * The same store, with at most `capabilities.maxConcurrency` data calls in flight, whoever makes
 * them: a backup's puts (an incremental's chunk can hold many objects), a restore's chain
 * loading and its fetches all count against what the store declares it takes.
 */
export function limitedStore(store: ObjectStore): ObjectStore {
  const slots = new Slots(Math.max(1, store.capabilities.maxConcurrency));
  const wrapped: ObjectStore = {
    driverId: store.driverId,
    serviceName: store.serviceName,
    capabilities: store.capabilities,
    ensureContainer: (c, o) => slots.use(() => store.ensureContainer(c, o)),
    putObject: (c, n, d, o) => slots.use(() => store.putObject(c, n, d, o)),
    getObject: (c, n, o?: GetObjectOptions) => slots.use(() => store.getObject(c, n, o)),
    deleteObject: (c, n, o) => slots.use(() => store.deleteObject(c, n, o)),
    listObjects: (c, p, o) => slots.use(() => store.listObjects(c, p, o)),
    objectNamePrefix: (r) => store.objectNamePrefix(r),
    containerFor: (id, requested) => store.containerFor(id, requested),
    checkForSetupError: () => store.checkForSetupError(),
  };
  if (store.flush) {
    const flush = store.flush.bind(store);
    wrapped.flush = (c, o) => slots.use(() => flush(c, o));
  }
  if (store.listContainers) {
    const list = store.listContainers.bind(store);
    wrapped.listContainers = (o) => slots.use(() => list(o));
  }
  return wrapped;
}
