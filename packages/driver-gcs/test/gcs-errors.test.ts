import { AuthError, BackendError, hasErrorCode, NotFoundError } from '@volback/core';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyGcsError, createGcsStore } from '../src/index.js';
import { gcsError, startFaultServer, type Answer } from './fault-server.js';

const NAME = 'volume_0d3f8a2c-6b1e-4c7d-8e9f-a0b1c2d3e4f5/20240501120000/az_nova_backup_8f5a3c1e-2b4d-4e6f-9a0b-1c2d3e4f5a6b_metadata';

// GCS's own answers, as it sends them: the SDK turns them into its ApiError objects, which is what is mapped.
const INVALID_CREDENTIALS = gcsError(401, 'Invalid Credentials', 'authError');
const FORBIDDEN = gcsError(
  403,
  "backup@p1.iam.gserviceaccount.com does not have storage.objects.get access to the Google Cloud Storage object. Permission 'storage.objects.get' denied on resource (or it may not exist).",
  'forbidden',
);

describe('gcs error mapping, on the SDK errors of real GCS answers', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  /** A store on a server that answers every request with `answer`. */
  async function storeAnswering(answer: Answer, maxRetries = 0) {
    const fault = await startFaultServer(undefined, () => answer);
    closers.push(fault.close);
    return { store: createGcsStore({ bucket: 'volumebackups', endpoint: fault.endpoint, projectId: 'p1', maxRetries }), seen: fault.seen };
  }
  const failureOf = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected a failure');
      },
      (err: unknown) => err as Error,
    );

  it.each([
    ['401 Invalid Credentials', INVALID_CREDENTIALS, /Invalid Credentials/],
    ['403 forbidden', FORBIDDEN, /does not have storage\.objects\.get access/],
  ])('maps %s to E_AUTH on every call, with GCS text and no stack', async (_name, answer, text) => {
    const { store } = await storeAnswering(answer);
    const calls = [
      store.getObject('volumebackups', NAME),
      store.putObject('volumebackups', NAME, new Uint8Array(10)),
      store.deleteObject('volumebackups', NAME),
      store.listObjects('volumebackups', 'volume_'),
      store.checkForSetupError(),
      store.ensureContainer('volumebackups'),
    ];
    for (const err of await Promise.all(calls.map(failureOf))) {
      expect(err).toBeInstanceOf(AuthError);
      expect(err.message).toMatch(/^gcs: GCS rejected the credentials: /);
      expect(err.message).toMatch(text);
      expect(err.message).not.toMatch(/\n\s+at /);
    }
  });

  it('maps 404 of an object to E_NOT_FOUND, and lists nothing in a missing bucket', async () => {
    const { store } = await storeAnswering(gcsError(404, 'No such object: volumebackups/x', 'notFound'));
    const err = await failureOf(store.getObject('volumebackups', NAME));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(await store.listObjects('volumebackups', '')).toEqual([]);
    await store.deleteObject('volumebackups', NAME); // nothing there: no error
  });

  it('makes 429 and 503 transient while volback retries, final once the SDK has retried them', async () => {
    for (const status of [429, 503]) {
      const { store } = await storeAnswering(gcsError(status, 'try later', 'rateLimitExceeded'));
      const err = await failureOf(store.getObject('volumebackups', NAME));
      expect(err).toBeInstanceOf(BackendError);
      expect((err as BackendError).transient).toBe(true);
    }
    const { store, seen } = await storeAnswering(gcsError(503, 'Service Unavailable', 'backendError'), 1);
    const err = await failureOf(store.getObject('volumebackups', NAME));
    expect(seen).toHaveLength(2); // the SDK's retry
    expect((err as BackendError).transient).toBe(false);
  }, 20_000);

  it('makes 501 final: the server does not implement the call', async () => {
    const { store } = await storeAnswering(gcsError(501, 'Not Implemented', 'notImplemented'));
    const err = await failureOf(store.getObject('volumebackups', NAME));
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).transient).toBe(false);
  });

  it("maps GCS's 400 for an upload whose MD5 does not match to a transient error (a resend may cure it)", async () => {
    const message = 'Provided MD5 hash "1B2M2Y8AsgTpgAmY7PhCfg==" doesn\'t match calculated MD5 hash "XUFAKrxLKna5cZ2REBfFkg==".';
    const { store } = await storeAnswering(gcsError(400, message, 'invalid'));
    const err = await failureOf(store.putObject('volumebackups', NAME, new Uint8Array(10)));
    expect(hasErrorCode(err, 'E_BACKEND')).toBe(true);
    expect((err as BackendError).transient).toBe(true);
    expect(err.message).toMatch(/^gcs: PUT volumebackups\/volume_.*: HTTP 400 invalid: Provided MD5 hash/);
  });

  it('maps a refused key (OAuth invalid_grant) and missing application default credentials to E_AUTH', () => {
    // The shapes google-auth-library rejects with: a token exchange answered 400 invalid_grant, and no ADC found.
    const refused = Object.assign(new Error('invalid_grant: Invalid JWT Signature.'), {
      response: { status: 400, data: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } },
    });
    expect(classifyGcsError(refused, 'LIST b')).toBeInstanceOf(AuthError);
    const none = new Error(
      'Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.',
    );
    const mapped = classifyGcsError(none, 'LIST b');
    expect(mapped).toBeInstanceOf(AuthError);
    expect(mapped.message).toMatch(/no credentials found; give keyFilename or credentials, set GOOGLE_APPLICATION_CREDENTIALS/);
  });
});
