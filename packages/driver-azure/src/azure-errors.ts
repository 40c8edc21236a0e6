import { BackendError, CancelledError, storeErrors, type VolbackError, VolbackError as TypedError } from '@volback/core/driver';

/** Typed errors whose messages begin with `azure: `. */
export const azureErrors = storeErrors('azure');

/** What we read off an SDK (RestError) or network error. */
interface ErrorFacts {
  /** Azure's error code (`BlobNotFound`, `AuthorizationFailure`; HEAD answers carry it in a header), or the SDK's (`REQUEST_SEND_ERROR`). */
  code: string | undefined;
  status: number | undefined;
  /** The service's message, first line only: the lines after it are request ids and times. */
  message: string;
  /** Node network error code of the cause, e.g. `ECONNREFUSED`. */
  errno: string | undefined;
}

function factsOf(err: unknown): ErrorFacts {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    code?: unknown;
    statusCode?: unknown;
    message?: unknown;
    details?: { errorCode?: unknown };
    cause?: { code?: unknown };
  };
  const detailCode = typeof e.details?.errorCode === 'string' ? e.details.errorCode : undefined;
  const code = typeof e.code === 'string' ? e.code : detailCode;
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const message = redactSas(typeof e.message === 'string' ? (e.message.split('\n')[0] ?? '') : String(err));
  const errno = typeof e.cause?.code === 'string' ? e.cause.code : undefined;
  return { code: detailCode ?? code, status, message, errno };
}

/** A SAS signature never reaches a message, even when a message quotes a URL. */
function redactSas(text: string): string {
  return text.replace(/([?&]sig=)[^&\s'"]+/gi, '$1REDACTED');
}

/** Missing blob or container: Azure's codes, and 404 for body-less HEAD answers. */
export function isNotFound(err: unknown): boolean {
  const f = factsOf(err);
  return f.status === 404 || f.code === 'BlobNotFound' || f.code === 'ContainerNotFound';
}

/** True when the answer says the container itself is missing. */
export function isContainerNotFound(err: unknown): boolean {
  return factsOf(err).code === 'ContainerNotFound';
}

/** The error code of an SDK error, if it has one. */
export function azureCodeOf(err: unknown): string | undefined {
  return factsOf(err).code;
}

/** What the classifier needs to know about the store it serves. */
export interface ErrorContext {
  /** The storage account, named in every credential error (the secret never is). */
  account: string;
  /** How the store signs in (`shared key from AZURE_STORAGE_KEY`): said with every credential error. */
  credentials: string;
  /** The SDK retries by itself (maxTries > 1): its errors are final. */
  sdkRetries: boolean;
}

/**
 * Azure's reading of an SDK error, on top of core's (errno codes, HTTP statuses, aborts), in a
 * message that says what was being done (`what`, e.g. `PUT volumebackups/volume_…-00001`):
 * - 401 and 403: AuthError naming the account and how it signed in, never the secret;
 * - 404 (`BlobNotFound`, `ContainerNotFound`): NotFoundError;
 * - `Md5Mismatch` (the bytes changed on the way) besides 5xx and network errors: transient, but
 *   once the SDK has retried an error itself it is final, as the engine's retries on top would
 *   multiply the attempts.
 * Volback errors and cancellations pass unchanged.
 */
export function classifyAzureError(err: unknown, what: string, context: ErrorContext): VolbackError {
  const base = azureErrors.classify(err, what);
  if (err instanceof TypedError || base instanceof CancelledError) return base;
  const f = factsOf(err);
  const detail = describe(f);
  if (f.status === 401 || f.status === 403) {
    return azureErrors.auth(
      `Azure rejected the credentials of account ${context.account} (${context.credentials}): ${what}: ${detail}`,
      err,
    );
  }
  if (isNotFound(err)) return azureErrors.notFound(`${what}: not found (${detail})`, err);
  const transient = (base instanceof BackendError && base.transient) || f.code === 'Md5Mismatch' || f.code === 'REQUEST_SEND_ERROR';
  const sdkRetried = context.sdkRetries && f.code !== 'Md5Mismatch';
  return azureErrors.backend(`${what}: ${detail}`, transient && !sdkRetried && f.status !== 501, err);
}

function describe(f: ErrorFacts): string {
  const parts: string[] = [];
  if (f.status !== undefined) parts.push(`HTTP ${f.status}`);
  if (f.code !== undefined && !f.message.startsWith(f.code)) parts.push(f.code);
  if (f.errno !== undefined && f.errno !== f.code) parts.push(f.errno);
  const head = parts.join(' ');
  return [head, f.message].filter((s) => s !== '').join(': ') || 'unknown error';
}
