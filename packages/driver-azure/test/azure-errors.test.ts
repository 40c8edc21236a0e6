import { BlobServiceClient, RestError, StorageSharedKeyCredential } from '@azure/storage-blob';
import { AuthError, BackendError, CancelledError, NotFoundError } from '@volback/core/driver';
import { describe, expect, it } from 'vitest';
import { classifyAzureError } from '../src/index.js';
import { describeWithAzurite, rawClient, uniqueContainer } from './azurite.js';

const context = { account: 'devstoreaccount1', credentials: 'shared key from the config', sdkRetries: false };
const failure = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => new Error('resolved'),
    (e: unknown) => e,
  );

describeWithAzurite('azure error mapping (real SDK errors from azurite)', (server) => {
  it('maps 403, 404 and Md5Mismatch', async () => {
    const raw = rawClient(server);
    const container = uniqueContainer();
    await raw.getContainerClient(container).create();
    const wrong = new BlobServiceClient(
      server.endpoint,
      new StorageSharedKeyCredential(server.account, Buffer.alloc(64).toString('base64')),
      {
        retryOptions: { maxTries: 1 },
      },
    );
    const denied = classifyAzureError(await failure(wrong.getContainerClient(container).getProperties()), 'HEAD c', context);
    expect(denied).toBeInstanceOf(AuthError);
    expect(denied.message).toMatch(
      /^azure: Azure rejected the credentials of account devstoreaccount1 \(shared key from the config\): HEAD c: HTTP 403/,
    );

    const blob = raw.getContainerClient(container).getBlockBlobClient('missing');
    const missing = classifyAzureError(await failure(blob.download()), 'GET c/missing', context);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.message).toMatch(/GET c\/missing: not found \(HTTP 404 BlobNotFound: The specified blob does not exist\.\)$/);
    // A HEAD answer has no body: the code comes from its header, or only the status says it.
    expect(classifyAzureError(await failure(blob.getProperties()), 'HEAD c/missing', context)).toBeInstanceOf(NotFoundError);
    const noContainer = raw.getContainerClient(uniqueContainer()).getBlockBlobClient('x');
    expect(classifyAzureError(await failure(noContainer.upload('x', 1)), 'PUT', context)).toBeInstanceOf(NotFoundError);

    const damaged = await failure(blob.upload('abc', 3, { transactionalContentMD5: Buffer.alloc(16) }));
    const bad = classifyAzureError(damaged, 'PUT c/missing', context);
    expect(bad).toBeInstanceOf(BackendError);
    expect((bad as BackendError).transient).toBe(true);
    // The SDK never retries a 400, so Md5Mismatch stays transient even when it retries others.
    expect((classifyAzureError(damaged, 'PUT', { ...context, sdkRetries: true }) as BackendError).transient).toBe(true);
  });
});

describe('azure error mapping', () => {
  it('a refused connection is transient unless the SDK already retried it', async () => {
    const dead = new BlobServiceClient('http://127.0.0.1:9/devstoreaccount1', undefined, { retryOptions: { maxTries: 1 } });
    const err = await failure(dead.getContainerClient('c').getProperties());
    expect(err).toBeInstanceOf(RestError);
    const once = classifyAzureError(err, 'HEAD c', context);
    expect(once).toBeInstanceOf(BackendError);
    expect((once as BackendError).transient).toBe(true);
    expect((classifyAzureError(err, 'HEAD c', { ...context, sdkRetries: true }) as BackendError).transient).toBe(false);
  });

  it('an abort is CancelledError; a SAS signature never reaches a message', async () => {
    const ac = new AbortController();
    ac.abort();
    const dead = new BlobServiceClient('http://127.0.0.1:9/devstoreaccount1', undefined, { retryOptions: { maxTries: 1 } });
    const aborted = await failure(dead.getContainerClient('c').getProperties({ abortSignal: ac.signal }));
    expect(classifyAzureError(aborted, 'HEAD c', context)).toBeInstanceOf(CancelledError);
    const quoting = new RestError('GET https://a.blob.core.windows.net/c?sv=1&sig=TOPSECRET failed', { statusCode: 500 });
    const msg = classifyAzureError(quoting, 'GET c', context).message;
    expect(msg).toContain('sig=REDACTED');
    expect(msg).not.toContain('TOPSECRET');
  });
});
