import { AuthError, BackendError, CancelledError, ConfigError, InvalidBackupError, NotFoundError, VolbackError } from '../errors.js';

/** Errno codes a retry may cure: contention, momentary exhaustion, a dropped connection. */
const TRANSIENT_ERRNOS = new Set([
  'EAGAIN',
  'EBUSY',
  'EINTR',
  'EMFILE',
  'ENFILE',
  'ETIMEDOUT',
  'ESTALE',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** ENOENT, or ENOTDIR when a path component is a file: either way nothing is there. */
const MISSING_ERRNOS = new Set(['ENOENT', 'ENOTDIR']);

/** The errno-style code of an error (`ECONNRESET`), if it has a string one. */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for an error that says nothing is at the path: ENOENT, or ENOTDIR when a component is a file. */
export function isMissingErrno(err: unknown): boolean {
  const errno = errnoOf(err);
  return errno !== undefined && MISSING_ERRNOS.has(errno);
}

/** The HTTP status an SDK error carries, under any of the names the official SDKs use. */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as {
    $metadata?: { httpStatusCode?: unknown };
    statusCode?: unknown;
    status?: unknown;
    code?: unknown;
    response?: { status?: unknown };
  };
  for (const v of [e.$metadata?.httpStatusCode, e.statusCode, e.status, e.response?.status, e.code]) {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599) return v;
  }
  return undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Typed errors that all begin with the driver's id (`"s3: "`), so a message always says which
 * store failed, and the classification of a transport's own errors (errno codes, HTTP statuses)
 * into them, written once for every driver.
 */
export interface StoreErrors {
  /** The driver every message starts with (`s3: …`), so a user sees which store spoke. */
  readonly driverId: string;
  /** The object, container or path asked for is not there. */
  notFound(message: string, cause?: unknown): NotFoundError;
  /** The backend failed; `transient` when a retry may cure it, which the engine's retries read. */
  backend(message: string, transient: boolean, cause?: unknown): BackendError;
  /** The backend refused the credentials: retrying cannot help, so nothing retries it. */
  auth(message: string, cause?: unknown): AuthError;
  /** A config value the store cannot work with, naming its `field` for the user to fix. */
  config(message: string, field?: string, cause?: unknown): ConfigError;
  /** A name or value read from a store or a caller that the store cannot use. */
  invalid(message: string): InvalidBackupError;
  /** `what` (a transport call) stopped because its signal fired; `reason` is the signal's. */
  cancelled(what: string, reason?: unknown): CancelledError;
  /**
   * `err`, from a transport call described by `what` (`GET bucket/key`), as a typed error: typed
   * volback errors pass; aborts become CancelledError; a missing file or HTTP 404 NotFoundError;
   * 401/403 AuthError; transient errnos, 408, 429 and 5xx a transient BackendError; anything else
   * a permanent one. A driver refines this with its definition's `classifyError`.
   */
  classify(err: unknown, what: string): VolbackError;
}

/** The {@link StoreErrors} of driver `driverId`. */
export function storeErrors(driverId: string): StoreErrors {
  const say = (message: string): string => `${driverId}: ${message}`;
  return {
    driverId,
    notFound: (message, cause) => new NotFoundError(say(message), cause === undefined ? undefined : { cause }),
    backend: (message, transient, cause) => new BackendError(say(message), transient, cause === undefined ? undefined : { cause }),
    auth: (message, cause) => new AuthError(say(message), cause === undefined ? undefined : { cause }),
    config: (message, field, cause) => new ConfigError(say(message), field, cause === undefined ? undefined : { cause }),
    invalid: (message) => new InvalidBackupError(say(message)),
    cancelled: (what, reason) => new CancelledError(say(`${what} cancelled`), reason === undefined ? undefined : { cause: reason }),
    classify(err, what) {
      if (err instanceof VolbackError) return err;
      if ((err as { name?: unknown } | null)?.name === 'AbortError') return this.cancelled(what, err);
      const errno = errnoOf(err);
      const status = httpStatusOf(err);
      const detail = `${what} failed (${errno ?? status ?? 'error'}): ${messageOf(err)}`;
      if (isMissingErrno(err) || status === 404) return this.notFound(detail, err);
      if (status === 401 || status === 403) return this.auth(detail, err);
      const transient =
        (errno !== undefined && TRANSIENT_ERRNOS.has(errno)) || status === 408 || status === 429 || (status !== undefined && status >= 500);
      return this.backend(detail, transient, err);
    },
  };
}
