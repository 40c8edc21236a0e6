/**
 * `@volback/core/driver`: everything a driver author needs, and nothing a host needs. A store
 * driver is a transport: declare its config with {@link defineStoreDriver} and its calls with
 * {@link defineObjectStore}; core does the naming, checks, listings and error typing.
 */
/**
 * zod itself, so a driver declares its config with the instance core validates it with. Hidden
 * here because zod documents it (https://zod.dev); the docs would otherwise copy all of zod.
 * @hidden
 */
export { z } from 'zod';
export { defineObjectStore } from './driver/define-object-store.js';
export type { GetCall, ListPage, ListQuery, ObjectStoreDefinition, PutCall, TransportCall } from './driver/store-definition.js';
export { objectStoreLayout, posixLayout, type ObjectStoreLayoutOptions, type StoreLayout } from './driver/layouts.js';
export { errnoOf, httpStatusOf, isMissingErrno, storeErrors, type StoreErrors } from './driver/store-errors.js';
export { defineFileTreeStore, type FileTreeStoreOptions } from './driver/file-tree/define-file-tree-store.js';
export type { FileTreeEntry, FileTreeKind, FileTreeStat, FileTreeTransport } from './driver/file-tree/file-tree-transport.js';
export { fileTreeConfigFields } from './driver/file-tree/file-tree-config.js';
export { configField } from './driver/config-fields.js';
export { TEMP_FILE_PREFIX } from './driver/file-tree/file-tree-names.js';
export { readBody, type ResponseBody } from './driver/bucket/read-body.js';
export { hasUnprintable } from './ids.js';
export { defineStoreDriver, type ConfigDeclaration, type StoreDriverDefinition } from './plugins/define-store-driver.js';
export type { UrlMapping } from './plugins/url-config.js';
export { defineDriverPlugin, type DriverPlugin, type JsonSchema } from './plugins/brand.js';
export type { ObjectStore } from './object-store.js';
export {
  AuthError,
  BackendError,
  CancelledError,
  ConfigError,
  IntegrityError,
  InvalidBackupError,
  NotFoundError,
  UnsupportedError,
  VolbackError,
  hasErrorCode,
  throwIfAborted,
  type VolbackErrorCode,
} from './errors.js';
