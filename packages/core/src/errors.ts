/**
 * Every error volback raises on purpose is a {@link VolbackError} with a stable `code`.
 * Codes never change within a major version: hosts and scripts may switch on them.
 */
export type VolbackErrorCode =
  | 'E_INVALID_BACKUP'
  | 'E_INVALID_VOLUME'
  | 'E_INTEGRITY'
  | 'E_NOT_FOUND'
  | 'E_CANCELLED'
  | 'E_CONFIG'
  | 'E_UNSUPPORTED'
  | 'E_BACKEND'
  | 'E_AUTH'
  | 'E_PLUGIN';

/** Base class of every typed volback error. */
export class VolbackError extends Error {
  /** What went wrong, stable across releases: switch on this, never on the message. */
  readonly code: VolbackErrorCode;

  constructor(code: VolbackErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The backup (or its stored form) cannot be used as asked: bad version, object list mismatch, bad options. */
export class InvalidBackupError extends VolbackError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_INVALID_BACKUP', message, options);
  }
}

/** The volume to back up is unusable (empty, unreadable size, not a file or block device). */
export class InvalidVolumeError extends VolbackError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_INVALID_VOLUME', message, options);
  }
}

/**
 * A restore target already holds data and was not to be overwritten (the `refuseNonEmpty` option
 * of FileRestoreTarget.open): a file of one byte or more, or a block device with data at either end.
 */
export class TargetNotEmptyError extends InvalidVolumeError {
  /** The target as given. */
  readonly path: string;
  /** What it is. */
  readonly kind: 'file' | 'block device';
  /** Its size in bytes. */
  readonly bytes: number;

  constructor(path: string, kind: 'file' | 'block device', bytes: number) {
    const size = `${bytes} byte${bytes === 1 ? '' : 's'}`;
    const what = kind === 'file' ? `a file of ${size}` : `a block device of ${size} with data in its first or last MiB`;
    super(`restore target ${path} is ${what}: it would be overwritten`);
    this.path = path;
    this.kind = kind;
    this.bytes = bytes;
  }
}

/**
 * Stored data does not match what its metadata promises. Names the object at fault.
 * `transient` is read by the engine's retries: bytes damaged on their way up (and removed by the
 * driver) may arrive whole when sent again, while a stored object that reads back wrong stays wrong.
 */
export class IntegrityError extends VolbackError {
  /** The stored object whose content failed a check, when one can be named. */
  readonly objectName: string | undefined;
  /** True when sending the bytes again may succeed, so the engine retries instead of failing. */
  readonly transient: boolean;

  constructor(message: string, objectName?: string, options?: { cause?: unknown; transient?: boolean }) {
    super('E_INTEGRITY', message, options);
    this.objectName = objectName;
    this.transient = options?.transient ?? false;
  }
}

/** A backup, object or container that was asked for does not exist. */
export class NotFoundError extends VolbackError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_NOT_FOUND', message, options);
  }
}

/** The operation was cancelled through its AbortSignal. */
export class CancelledError extends VolbackError {
  constructor(message = 'operation cancelled', options?: { cause?: unknown }) {
    super('E_CANCELLED', message, options);
  }
}

/** A driver or engine setting is missing or invalid. `field` names the setting at fault. */
export class ConfigError extends VolbackError {
  /** The setting at fault (a config field name), so a host can point at it; undefined when none is. */
  readonly field: string | undefined;

  constructor(message: string, field?: string, options?: { cause?: unknown }) {
    super('E_CONFIG', message, options);
    this.field = field;
  }
}

/** Something valid in general but not supported here: an unknown codec, a metadata version. */
export class UnsupportedError extends VolbackError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_UNSUPPORTED', message, options);
  }
}

/** The storage backend failed. `transient` says whether a retry may succeed. */
export class BackendError extends VolbackError {
  /** True when a retry may succeed (a timeout, a 503); the engine's retries read it. */
  readonly transient: boolean;

  constructor(message: string, transient: boolean, options?: { cause?: unknown }) {
    super('E_BACKEND', message, options);
    this.transient = transient;
  }
}

/** The backend refused our credentials. */
export class AuthError extends VolbackError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_AUTH', message, options);
  }
}

/** A plugin package is broken: bad manifest, missing entry, wrong brand, incompatible apiVersion. */
export class PluginError extends VolbackError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_PLUGIN', message, options);
  }
}

/** True when `err` is a volback error with the given code, across duplicate copies of core. */
export function hasErrorCode(err: unknown, code: VolbackErrorCode): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** Throws {@link CancelledError} if the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError('operation cancelled', { cause: signal.reason });
}
