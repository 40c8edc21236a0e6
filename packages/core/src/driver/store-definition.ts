import type { VolbackError } from '../errors.js';
import type { StoreLayout } from './layouts.js';

/** What every transport call is given. */
export interface TransportCall {
  /** Aborts when the caller gives up; core has already given up on the call by then (see {@link defineObjectStore}). */
  readonly signal: AbortSignal;
}

/** What `put` is given. */
export interface PutCall extends TransportCall {
  /** The engine calls `flush(container)` before relying on the object: durability may come then. */
  readonly flushLater: boolean;
}

/** What `get` is given. */
export interface GetCall extends TransportCall {
  /**
   * A buffer of exactly `length` bytes to read into, for a transport that knows the size before
   * the body (a file's size, a Content-Length): the engine lends its own memory this way. A
   * transport may ignore it and return a buffer of its own. Throws once the call was given up.
   */
  allocate(length: number): Uint8Array;
}

/** One listing request: keys starting with `prefix`, from `cursor` (the page before's `next`). */
export interface ListQuery {
  /** Keys to list start with this (the layout's key prefix is already on it); may be empty. */
  readonly prefix: string;
  /** The previous page's `next`; absent for the first page. */
  readonly cursor?: string;
  /** Only for a definition with `listing.delimiter`: group keys at the next `/` into `prefixes`. */
  readonly delimiter?: '/';
  /** Only for a definition with `listing.startAfter`: keys sorting after this one. */
  readonly startAfter?: string;
}

/** One page of a listing. Names are whole keys (core strips the layout's key prefix). */
export interface ListPage {
  /** The keys of this page, in any order; core sorts and filters them. */
  readonly names: readonly string[];
  /** With a delimiter: the common prefixes, each ending in `/`. */
  readonly prefixes?: readonly string[];
  /** Where the next page starts; absent on the last page. */
  readonly next?: string;
}

/**
 * What a driver author writes: the transport, and nothing else. {@link defineObjectStore} builds
 * the engine's full {@link ObjectStore} from it: Cinder naming from `layout`, name and signal
 * checks, every page of a listing with the exact prefix, `_metadata` discovery, errors typed
 * and prefixed with the driver id.
 *
 * Names given to the transport are whole keys: the layout's key prefix is already on them.
 * Errors may be thrown raw: core classifies them (errno codes, HTTP statuses; see
 * `storeErrors().classify`), after the definition's own `classifyError` had its say.
 */
export interface ObjectStoreDefinition {
  /** Cinder's driver class written as each record's `service`, e.g. `cinder.backup.drivers.s3.S3BackupDriver`. */
  readonly service: string;
  /** How Cinder names objects on this kind of store: {@link objectStoreLayout} or {@link posixLayout}. */
  readonly layout: StoreLayout;
  /** Transfers the engine may run at once against this store. */
  readonly maxConcurrency: number;
  /** For a store that keeps its objects as local files: their root, where nothing may be restored or backed up from. */
  readonly localRoot?: string;
  /** What `listPage` honours beyond prefix and cursor; with both, `_metadata` objects are found by walking (see metadata-walk). */
  readonly listing?: {
    /** `listPage` groups keys at the next `/` when asked (`ListQuery.delimiter`). */
    readonly delimiter?: boolean;
    /** `listPage` starts after a given key when asked (`ListQuery.startAfter`). */
    readonly startAfter?: boolean;
  };

  /** Creates the container if needed; no error if it exists. */
  ensureContainer(container: string, call: TransportCall): Promise<void>;
  /** Stores `data` whole under `key`, replacing any object of that name. Keep a copy if you keep the bytes. */
  put(container: string, key: string, data: Uint8Array, call: PutCall): Promise<void>;
  /** The whole object; a missing one is a NotFoundError (a 404 or ENOENT thrown raw is classified so). */
  get(container: string, key: string, call: GetCall): Promise<Uint8Array>;
  /** Deletes exactly this key; a missing one is no error. */
  delete(container: string, key: string, call: TransportCall): Promise<void>;
  /** One page of the keys starting with `query.prefix`; a missing container lists nothing. */
  listPage(container: string, query: ListQuery, call: TransportCall): Promise<ListPage>;
  /** Every container that may hold backups, if the store can enumerate them. */
  listContainers?(call: TransportCall): Promise<string[]>;
  /** Makes durable what was put with `flushLater`. */
  flush?(container: string, call: TransportCall): Promise<void>;
  /** Removes (or with `dryRun` counts) what interrupted writes before `before` left that no listing shows. */
  removeIncompleteWrites?(before: Date, call: TransportCall & { readonly dryRun: boolean }): Promise<number>;
  /** Checks config and connectivity without changing anything; throws a typed error when unusable. */
  check?(): Promise<void>;
  /** Releases connections and clients once the host is done with the store; called once. */
  close?(): Promise<void>;
  /** The driver's own reading of a transport error (its SDK's error codes); undefined leaves it to core. */
  classifyError?(err: unknown, what: string): VolbackError | undefined;
}
