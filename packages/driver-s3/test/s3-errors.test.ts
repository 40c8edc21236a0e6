import { AuthError, BackendError, CancelledError, NotFoundError } from '@volback/core/driver';
import { describe, expect, it } from 'vitest';
import { classifyS3Error } from '../src/index.js';

/** An error shaped as the SDK throws it (S3ServiceException fields), without a server. */
function sdkError(name: string, status: number | undefined, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

describe('classifyS3Error', () => {
  it.each([
    ['InvalidAccessKeyId', 403, AuthError],
    ['SignatureDoesNotMatch', 403, AuthError],
    ['AccessDenied', 403, AuthError],
    ['Forbidden', 403, AuthError],
    ['ExpiredToken', 400, AuthError],
    ['NoSuchKey', 404, NotFoundError],
    ['NotFound', 404, NotFoundError],
    ['NoSuchBucket', 404, NotFoundError],
  ] as const)('%s (HTTP %s) becomes %o', (name, status, type) => {
    const err = classifyS3Error(sdkError(name, status), 'GET b/k');
    expect(err).toBeInstanceOf(type);
    expect(err.message).toMatch(/^s3: /);
  });

  it.each([
    ['InternalError', 500, true],
    ['ServiceUnavailable', 503, true],
    ['SlowDown', 503, true],
    ['BadDigest', 400, true],
    ['NotImplemented', 501, false],
    ['InvalidArgument', 400, false],
    ['EntityTooSmall', 400, false],
  ] as const)('%s (HTTP %s) is a BackendError, transient %s', (name, status, transient) => {
    const err = classifyS3Error(sdkError(name, status), 'PUT b/k');
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).transient).toBe(transient);
  });

  it('leaves a retryable error final once the SDK has retried it itself, so retries do not multiply', () => {
    const once = Object.assign(sdkError('SlowDown', 503), { $metadata: { httpStatusCode: 503, attempts: 1 } });
    const exhausted = Object.assign(sdkError('SlowDown', 503), { $metadata: { httpStatusCode: 503, attempts: 4 } });
    expect((classifyS3Error(once, 'PUT b/k') as BackendError).transient).toBe(true);
    expect((classifyS3Error(exhausted, 'PUT b/k') as BackendError).transient).toBe(false);
  });

  it('treats network failures and timeouts as transient', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE']) {
      const err = classifyS3Error(Object.assign(new Error(`socket ${code}`), { code }), 'GET b/k');
      expect(err).toMatchObject({ code: 'E_BACKEND', transient: true });
    }
    expect(classifyS3Error(sdkError('TimeoutError', undefined), 'GET b/k')).toMatchObject({ transient: true });
  });

  it('says how to provide credentials when the SDK chain finds none', () => {
    const err = classifyS3Error(
      sdkError('CredentialsProviderError', undefined, 'Could not load credentials from any providers'),
      'HEAD bucket b',
    );
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toMatch(/no credentials found.*accessKeyId and secretAccessKey/);
  });

  it('reports an aborted request as CancelledError, and passes typed errors unchanged', () => {
    expect(classifyS3Error(sdkError('AbortError', undefined), 'GET b/k')).toBeInstanceOf(CancelledError);
    const typed = new NotFoundError('s3: already typed');
    expect(classifyS3Error(typed, 'GET b/k')).toBe(typed);
  });

  it('names what was being done, with the status and the S3 code', () => {
    expect(classifyS3Error(sdkError('SlowDown', 503, 'Please reduce your request rate.'), 'PUT b/k').message).toBe(
      's3: PUT b/k: HTTP 503 SlowDown: Please reduce your request rate.',
    );
  });
});
