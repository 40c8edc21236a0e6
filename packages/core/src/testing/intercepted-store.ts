import type { GetObjectOptions, ObjectStore, PutObjectOptions, StoreCallOptions } from '../object-store.js';

/** One call an {@link interceptedStore} passes on to its store. */
export interface InterceptedCall {
  /** The {@link ObjectStore} method called. */
  method:
    | 'ensureContainer'
    | 'putObject'
    | 'flush'
    | 'getObject'
    | 'deleteObject'
    | 'listObjects'
    | 'listMetadataObjects'
    | 'listContainers';
  /** The container the call is on; absent for `listContainers`. */
  container?: string;
  /** The object's name, or the listing's prefix. */
  name?: string;
}

/** What runs around each call: may wait (to make two operations overlap) or throw (a fault). */
export interface StoreInterceptor {
  /** Runs before the call reaches the store; the call waits for it, and does not happen if it throws. */
  before?(call: InterceptedCall): void | Promise<void>;
  /** Runs once the store's call has succeeded, before its result goes back; a throw replaces the result. */
  after?(call: InterceptedCall): void | Promise<void>;
}

/**
 * The same store, with `before` and `after` run around every call that reaches it: for tests that
 * must make operations interleave in a given order (hold one back until another got somewhere)
 * or at random (delay every call). Not for production use.
 */
export function interceptedStore(store: ObjectStore, hooks: StoreInterceptor): ObjectStore {
  const around = async <T>(call: InterceptedCall, run: () => Promise<T>): Promise<T> => {
    await hooks.before?.(call);
    const result = await run();
    await hooks.after?.(call);
    return result;
  };
  const wrapped: ObjectStore = {
    driverId: store.driverId,
    serviceName: store.serviceName,
    capabilities: store.capabilities,
    ensureContainer: (container: string, opts?: StoreCallOptions) =>
      around({ method: 'ensureContainer', container }, () => store.ensureContainer(container, opts)),
    putObject: (container: string, name: string, data: Uint8Array, opts?: PutObjectOptions) =>
      around({ method: 'putObject', container, name }, () => store.putObject(container, name, data, opts)),
    getObject: (container: string, name: string, opts?: GetObjectOptions) =>
      around({ method: 'getObject', container, name }, () => store.getObject(container, name, opts)),
    deleteObject: (container: string, name: string, opts?: StoreCallOptions) =>
      around({ method: 'deleteObject', container, name }, () => store.deleteObject(container, name, opts)),
    listObjects: (container: string, prefix: string, opts?: StoreCallOptions) =>
      around({ method: 'listObjects', container, name: prefix }, () => store.listObjects(container, prefix, opts)),
    objectNamePrefix: (record) => store.objectNamePrefix(record),
    containerFor: (id, requested) => store.containerFor(id, requested),
    checkForSetupError: () => store.checkForSetupError(),
  };
  if (store.flush) {
    const flush = store.flush.bind(store);
    wrapped.flush = (container, opts) => around({ method: 'flush', container }, () => flush(container, opts));
  }
  if (store.listMetadataObjects) {
    const find = store.listMetadataObjects.bind(store);
    wrapped.listMetadataObjects = (container, opts) => around({ method: 'listMetadataObjects', container }, () => find(container, opts));
  }
  if (store.listContainers) {
    const list = store.listContainers.bind(store);
    wrapped.listContainers = (opts) => around({ method: 'listContainers' }, () => list(opts));
  }
  if (store.removeIncompleteWrites) wrapped.removeIncompleteWrites = store.removeIncompleteWrites.bind(store);
  if (store.close) wrapped.close = store.close.bind(store);
  return wrapped;
}
