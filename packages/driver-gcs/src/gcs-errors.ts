import { BackendError, CancelledError, httpStatusOf, storeErrors, VolbackError } from '@volback/core/driver';

/** Typed errors whose messages begin with `gcs: `. */
export const gcsErrors = storeErrors('gcs');

/** What we read off an SDK, auth-library or network error. */
interface ErrorFacts {
  status: number | undefined;
  message: string;
  /** GCS's reason of the first error (`notFound`, `rateLimitExceeded`), or OAuth's error (`invalid_grant`). */
  reason: string | undefined;
  errno: string | undefined;
}

function factsOf(err: unknown): ErrorFacts {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    code?: unknown;
    message?: unknown;
    errors?: { reason?: unknown }[];
    response?: { data?: { error?: unknown } };
  };
  const first = Array.isArray(e.errors) ? e.errors[0]?.reason : undefined;
  const oauth = e.response?.data?.error;
  const reason = typeof first === 'string' ? first : typeof oauth === 'string' ? oauth : undefined;
  return {
    status: httpStatusOf(err),
    message: typeof e.message === 'string' ? e.message : String(err),
    reason,
    errno: typeof e.code === 'string' ? e.code : undefined,
  };
}

/** OAuth answers of a token exchange that mean the key itself is refused (a bad signature, a deleted key or account). */
const REFUSED_GRANTS = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client', 'access_denied']);
/** HTTP statuses the SDK retries itself (with `retryOptions`): once one comes out, the SDK has given up on it. */
const RETRIED_BY_SDK = new Set([408, 429, 500, 502, 503, 504]);

/** True for a 404 answer (no such object, or no such bucket). */
export function isNotFound(err: unknown): boolean {
  return httpStatusOf(err) === 404;
}

/**
 * GCS's reading of an error, on top of core's (errno codes, HTTP statuses, aborts), in a message
 * saying what was being done (`what`, e.g. `PUT volumebackups/volume_…-00001`):
 * - 401/403, a key the token service refuses, no credentials found, an unusable private key: AuthError;
 * - 404: NotFoundError;
 * - 400 naming a hash mismatch (GCS checked the MD5 sent with an upload): transient;
 * - 429, 408 and 5xx: transient, unless the SDK already retried them (`sdkRetries`): the engine's
 *   retries on top would multiply the attempts; 501 (not implemented) is never transient.
 * Messages carry GCS's text, never a credential. Volback errors and cancellations pass unchanged.
 */
export function classifyGcsError(err: unknown, what: string, sdkRetries = true): VolbackError {
  const base = gcsErrors.classify(err, what);
  if (err instanceof VolbackError || base instanceof CancelledError) return base;
  const f = factsOf(err);
  const detail = describe(f);
  if (/Could not load the default credentials/i.test(f.message)) {
    return gcsErrors.auth(
      `${what}: no credentials found; give keyFilename or credentials, set GOOGLE_APPLICATION_CREDENTIALS, ` +
        'or run `gcloud auth application-default login`',
      err,
    );
  }
  if (f.reason !== undefined && REFUSED_GRANTS.has(f.reason))
    return gcsErrors.auth(`Google refused the credentials: ${what}: ${detail}`, err);
  if (/DECODER routines|PEM|private key/i.test(f.message) && f.status === undefined) {
    return gcsErrors.auth(`${what}: the service-account key's private_key cannot be used`, err);
  }
  if (f.status === 401 || f.status === 403) return gcsErrors.auth(`GCS rejected the credentials: ${what}: ${detail}`, err);
  if (f.status === 404) return gcsErrors.notFound(`${what}: not found (${detail})`, err);
  // GCS checked the MD5 sent with the upload and the bytes it got differ: damaged on the way, a resend may cure it.
  if (f.status === 400 && /(MD5|CRC32C) hash/i.test(f.message)) return gcsErrors.backend(`${what}: ${detail}`, true, err);
  const transient = base instanceof BackendError && base.transient && f.status !== 501;
  const retriedAlready = sdkRetries && f.status !== undefined && RETRIED_BY_SDK.has(f.status);
  return gcsErrors.backend(`${what}: ${detail}`, transient && !retriedAlready, err);
}

function describe(f: ErrorFacts): string {
  const head = [f.status === undefined ? undefined : `HTTP ${f.status}`, f.errno, f.reason].filter((s) => s !== undefined).join(' ');
  return [head, f.message].filter((s) => s !== '').join(': ') || 'unknown error';
}
