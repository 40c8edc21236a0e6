import { BackendError, CancelledError, storeErrors, VolbackError } from '@volback/core/driver';

/** Typed errors whose messages begin with `s3: `. */
export const s3Errors = storeErrors('s3');

/** What we read off an SDK or network error. */
interface ErrorFacts {
  /** S3 error code (`NoSuchKey`) or, for body-less answers, the SDK's stand-in (`NotFound`, `Forbidden`). */
  code: string;
  status: number | undefined;
  message: string;
  /** Node network error code, e.g. `ECONNRESET`. */
  errno: string | undefined;
  /** Requests the SDK made before giving up, when it says. */
  attempts: number | undefined;
}

function factsOf(err: unknown): ErrorFacts {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: unknown;
    Code?: unknown;
    code?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: unknown; attempts?: unknown };
  };
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const attempts = typeof e.$metadata?.attempts === 'number' ? e.$metadata.attempts : undefined;
  const code = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' ? e.message : String(err);
  const errno = typeof e.code === 'string' ? e.code : undefined;
  return { code, status, message, errno, attempts };
}

const AUTH_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'AuthorizationHeaderMalformed',
  'InvalidSecurity',
]);

const TRANSIENT_CODES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'ThrottlingException',
  'Throttling',
  // The bytes changed on the way (Content-MD5 mismatch) or arrived short: a resend may succeed.
  'BadDigest',
  'IncompleteBody',
]);

/** True for a 404 answer, whatever the S3 code (`NoSuchKey`, `NoSuchBucket`, HEAD's `NotFound`). */
export function isNotFound(err: unknown): boolean {
  const f = factsOf(err);
  return f.status === 404 || f.code === 'NoSuchKey' || f.code === 'NoSuchBucket' || f.code === 'NotFound';
}

/** True when the answer says the bucket itself is missing (not for body-less HEAD answers). */
export function isNoSuchBucket(err: unknown): boolean {
  return factsOf(err).code === 'NoSuchBucket';
}

/** True when the server does not implement the operation (answers 501 / `NotImplemented`). */
export function isNotImplemented(err: unknown): boolean {
  const f = factsOf(err);
  return f.status === 501 || f.code === 'NotImplemented';
}

/**
 * S3's reading of an SDK error, on top of core's (errno codes, HTTP statuses, aborts), in a
 * message that says what was being done (`what`, e.g. `PUT volumebackups/volume_…-00001`):
 * - credential codes, and 403: AuthError; no credentials at all: AuthError saying how to give them;
 * - S3's not-found codes: NotFoundError;
 * - throttling, timeouts and damaged uploads (`BadDigest`) besides 5xx: transient, but 501 is not;
 * - once the SDK has retried an error itself, it is final: the engine's retries on top would
 *   multiply the attempts (16 per object, two backoffs).
 * Volback errors and cancellations pass unchanged.
 */
export function classifyS3Error(err: unknown, what: string): VolbackError {
  const base = s3Errors.classify(err, what);
  if (err instanceof VolbackError || base instanceof CancelledError) return base;
  const f = factsOf(err);
  const detail = describe(f);
  if (f.code === 'CredentialsProviderError') {
    return s3Errors.auth(
      `${what}: no credentials found (${f.message}); give accessKeyId and secretAccessKey, ` +
        'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile',
      err,
    );
  }
  if (f.status === 403 || AUTH_CODES.has(f.code)) return s3Errors.auth(`S3 rejected the credentials: ${what}: ${detail}`, err);
  if (isNotFound(err)) return s3Errors.notFound(`${what}: not found (${detail})`, err);
  const retryable = ((base instanceof BackendError && base.transient) || TRANSIENT_CODES.has(f.code)) && f.status !== 501;
  return s3Errors.backend(`${what}: ${detail}`, retryable && !(f.attempts !== undefined && f.attempts > 1), err);
}

function describe(f: ErrorFacts): string {
  const parts: string[] = [];
  if (f.status !== undefined) parts.push(`HTTP ${f.status}`);
  if (f.code !== 'Error' && !f.message.startsWith(f.code)) parts.push(f.code);
  if (f.errno !== undefined && f.errno !== f.code) parts.push(f.errno);
  const head = parts.join(' ');
  // Body-less answers get the SDK's "UnknownError" message; the status says more.
  const message = f.message === 'UnknownError' ? '' : f.message;
  return [head, message].filter((s) => s !== '').join(': ') || 'unknown error';
}
