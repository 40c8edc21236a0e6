import { AuthError, BackendError, CancelledError, NotFoundError, VolbackError } from '@volback/core';

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

const TRANSIENT_ERRNOS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_SOCKET',
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

function isAbort(err: unknown): boolean {
  const f = factsOf(err);
  return f.code === 'AbortError' || f.errno === 'ABORT_ERR';
}

/**
 * Turns anything the SDK throws into a typed volback error whose message starts with `s3:` and
 * says what was being done (`what`, e.g. `PUT volumebackups/volume_…-00001`).
 * - 403 and credential codes: {@link AuthError};
 * - 404: {@link NotFoundError};
 * - 5xx, throttling, timeouts, connection resets: transient {@link BackendError};
 * - the rest: permanent {@link BackendError}.
 * Volback errors pass through unchanged.
 */
export function mapS3Error(err: unknown, what: string, signal?: AbortSignal): VolbackError {
  if (err instanceof VolbackError) return err;
  if (signal?.aborted || isAbort(err)) return new CancelledError(`s3: ${what}: cancelled`, { cause: err });
  const f = factsOf(err);
  const detail = describe(f);
  if (f.code === 'CredentialsProviderError') {
    return new AuthError(
      `s3: ${what}: no credentials found (${f.message}); give accessKeyId and secretAccessKey, ` +
        'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile',
      { cause: err },
    );
  }
  if (f.status === 403 || AUTH_CODES.has(f.code)) {
    return new AuthError(`s3: S3 rejected the credentials: ${what}: ${detail}`, { cause: err });
  }
  if (isNotFound(err)) {
    return new NotFoundError(`s3: ${what}: not found (${detail})`, { cause: err });
  }
  const retryable =
    (f.status !== undefined && (f.status >= 500 || f.status === 408 || f.status === 429) && f.status !== 501) ||
    TRANSIENT_CODES.has(f.code) ||
    (f.errno !== undefined && TRANSIENT_ERRNOS.has(f.errno));
  // The SDK retries on its own (maxAttempts, 4 by default). Once it has given up, the engine's
  // retries on top would multiply the attempts (16 per object, two backoffs), so the error is final.
  const transient = retryable && !(f.attempts !== undefined && f.attempts > 1);
  return new BackendError(`s3: ${what}: ${detail}`, transient, { cause: err });
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
