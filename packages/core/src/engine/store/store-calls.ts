import type { GetObjectOptions, ObjectStore, StoreCallOptions } from '../../object-store.js';

/** Runs one store call (`call`), made with `opts`; returns what it returns. */
export type AroundCall = <T>(call: () => Promise<T>, opts?: StoreCallOptions) => Promise<T>;

/**
 * The same store, with every call that reaches the backend passed through `around` (a retry, a
 * limit). Naming and set-up calls go straight through.
 */
export function aroundStoreCalls(store: ObjectStore, around: AroundCall): ObjectStore {
  const wrapped: ObjectStore = {
    driverId: store.driverId,
    serviceName: store.serviceName,
    capabilities: store.capabilities,
    ensureContainer: (c, o) => around(() => store.ensureContainer(c, o), o),
    putObject: (c, n, d, o) => around(() => store.putObject(c, n, d, o), o),
    getObject: (c, n, o?: GetObjectOptions) => around(() => store.getObject(c, n, o), o),
    deleteObject: (c, n, o) => around(() => store.deleteObject(c, n, o), o),
    listObjects: (c, p, o) => around(() => store.listObjects(c, p, o), o),
    objectNamePrefix: (r) => store.objectNamePrefix(r),
    containerFor: (id, requested) => store.containerFor(id, requested),
    checkForSetupError: () => store.checkForSetupError(),
    ...(store.localRoot === undefined ? {} : { localRoot: store.localRoot }),
    ...(store.keyPrefix === undefined ? {} : { keyPrefix: store.keyPrefix }),
  };
  if (store.flush) {
    const flush = store.flush.bind(store);
    wrapped.flush = (c, o) => around(() => flush(c, o), o);
  }
  if (store.listMetadataObjects) {
    const find = store.listMetadataObjects.bind(store);
    wrapped.listMetadataObjects = (c, o) => around(() => find(c, o), o);
  }
  if (store.listContainers) {
    const list = store.listContainers.bind(store);
    wrapped.listContainers = (o) => around(() => list(o), o);
  }
  if (store.removeIncompleteWrites) {
    const remove = store.removeIncompleteWrites.bind(store);
    wrapped.removeIncompleteWrites = (before, o) => around(() => remove(before, o), o);
  }
  return wrapped;
}
