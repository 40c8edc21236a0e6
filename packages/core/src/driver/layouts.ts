import type { BackupRecord } from '../backup-record.js';
import { objectStorePrefix, posixContainerFor, posixObjectPrefix } from '../cinder-names.js';
import { ConfigError } from '../errors.js';
import { previewOf } from '../ids.js';

/**
 * How a store names what it keeps, as one of Cinder's two layouts. A driver declares its layout
 * and core derives every name from it, so no driver re-implements Cinder's naming.
 */
export interface StoreLayout {
  /** Which of Cinder's two naming schemes: its posix/NFS drivers' or its object-store drivers' (S3, GCS). */
  readonly kind: 'posix' | 'object-store';
  /** Cinder's `_generate_object_name_prefix`: the name prefix of a backup's objects. */
  objectNamePrefix(record: BackupRecord): string;
  /** Cinder's container choice for a backup, given what the user asked for (may be null). */
  containerFor(backupId: string, requested: string | null): string;
  /** Object names may hold `/` (the object-store layout's prefixes do; posix names are one path segment). */
  readonly slashInNames: boolean;
  /**
   * Prepended to every object name on the store, and stripped from every listed name: the engine
   * never sees it. Our extension, not Cinder's: real Cinder cannot restore a backup stored under
   * one, and `export` records carry it (`key_prefix`) so an import can find the objects.
   */
  readonly keyPrefix: string;
}

/**
 * Cinder's posix/NFS layout: prefix `volume_<vol>_<ts>_backup_<id>`, container `id[0:2]/id[2:4]/id`
 * unless the user names one.
 */
export function posixLayout(): StoreLayout {
  return {
    kind: 'posix',
    objectNamePrefix: posixObjectPrefix,
    containerFor: (backupId, requested) => (requested !== null && requested !== '' ? requested : posixContainerFor(backupId)),
    slashInNames: false,
    keyPrefix: '',
  };
}

/** What the object-store layout needs to know. */
export interface ObjectStoreLayoutOptions {
  /** Cinder's `storage_availability_zone`, part of every object name (Cinder's default: `nova`). */
  availabilityZone: string;
  /** The container (bucket) of a backup whose user named none: Cinder's `backup_<driver>_bucket`. */
  defaultContainer: string;
  /** See {@link StoreLayout.keyPrefix}; no leading or trailing `/`. Default none. */
  keyPrefix?: string;
}

/**
 * Cinder's object-store layout (S3, GCS, Swift): prefix `volume_<vol>/<ts>/az_<az>_backup_<id>`,
 * the user's container or else the configured one.
 * @throws ConfigError when the availability zone holds a `/` or the key prefix starts or ends with one.
 */
export function objectStoreLayout(options: ObjectStoreLayoutOptions): StoreLayout {
  const { availabilityZone, defaultContainer } = options;
  if (availabilityZone.includes('/'))
    throw new ConfigError(`availabilityZone must not contain "/": ${previewOf(availabilityZone)}`, 'availabilityZone');
  const keyPrefix = options.keyPrefix ?? '';
  if (keyPrefix.startsWith('/') || keyPrefix.endsWith('/')) {
    throw new ConfigError(`keyPrefix must not start or end with "/": ${previewOf(keyPrefix)}`, 'keyPrefix');
  }
  return {
    kind: 'object-store',
    objectNamePrefix: (record) => objectStorePrefix(record, availabilityZone),
    containerFor: (_backupId, requested) => (requested !== null && requested !== '' ? requested : defaultContainer),
    slashInNames: true,
    keyPrefix: keyPrefix === '' ? '' : `${keyPrefix}/`,
  };
}
