import { randomBytes } from 'node:crypto';
import { BlobServiceClient, newPipeline, type RequestPolicyFactory, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { ObjectStore } from '@volback/core/driver';
import { SeededRandom } from '@volback/core/testing';
import { describeWithTestServer } from '@volback/conformance';
import { describe, it } from 'vitest';
import { type AzureConfigInput, createAzureStore } from '../src/index.js';

/** The azurite that `tooling/servers/azurite.sh start` describes in env vars. */
export interface Azurite {
  endpoint: string;
  account: string;
  key: string;
}

/** Registers `body` with the running azurite; without one the run fails under `CI=true` and skips otherwise. */
export function describeWithAzurite(title: string, body: (server: Azurite) => void): void {
  describeWithTestServer(
    { describe, it },
    title,
    { label: 'azurite', envPrefix: 'VOLBACK_TEST_AZURITE', required: ['ENDPOINT', 'ACCOUNT', 'KEY'], script: 'azurite.sh' },
    (env) => body({ endpoint: env['ENDPOINT']!, account: env['ACCOUNT']!, key: env['KEY']! }),
  );
}

/** A fresh container name, so tests never see each other's blobs. */
export function uniqueContainer(tag = 't'): string {
  return `vb-${tag}-${randomBytes(6).toString('hex')}`;
}

/** Config for `server` with a fresh container that the store may create; one try per request, so faults show at once. */
export function configFor(server: Azurite, extra: Partial<AzureConfigInput> = {}): AzureConfigInput {
  return {
    account: server.account,
    container: uniqueContainer(),
    endpoint: server.endpoint,
    accountKey: server.key,
    createContainer: true,
    maxTries: 1,
    ...extra,
  };
}

/** A plain SDK client on azurite, for looking behind the store's back. */
export function rawClient(server: Azurite, policies: RequestPolicyFactory[] = []): BlobServiceClient {
  const credential = new StorageSharedKeyCredential(server.account, server.key);
  const pipeline = newPipeline(credential, { retryOptions: { maxTries: 1 } });
  // The SDK runs factories it does not know as one policy, after serialization: it sees each request's headers and body.
  pipeline.factories.push(...policies);
  return new BlobServiceClient(server.endpoint, pipeline);
}

/** One request as a recording policy saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  bodyBytes: number | undefined;
}

/**
 * A policy recording every request; with `corrupt`, it also flips a byte of every upload body
 * after it was signed, as a corrupting network would: Shared Key signs Content-MD5 but not the
 * body, so only the service's check of Content-MD5 can catch it.
 */
export function recorder(seen: SeenRequest[], corrupt = false): RequestPolicyFactory {
  return {
    create: (next) => ({
      sendRequest: (request) => {
        const body = request.body instanceof Uint8Array ? request.body : undefined;
        seen.push({
          method: request.method,
          url: request.url,
          headers: Object.fromEntries(request.headers.headersArray().map((h) => [h.name.toLowerCase(), h.value])),
          bodyBytes: body?.byteLength,
        });
        if (corrupt && body !== undefined && body.byteLength > 0) {
          const copy = new Uint8Array(body);
          copy[0] = (copy[0] ?? 0) ^ 0xff;
          request.body = copy;
        }
        return next.sendRequest(request);
      },
    }),
  };
}

/** A store on fresh config, with its container created and the client it sends with. */
export async function freshStore(
  server: Azurite,
  extra: Partial<AzureConfigInput> = {},
  policies: RequestPolicyFactory[] = [],
): Promise<{ store: ObjectStore; container: string; raw: BlobServiceClient }> {
  const config = configFor(server, extra);
  const raw = rawClient(server, policies);
  const store = createAzureStore(config, policies.length > 0 ? { client: raw } : {});
  const container = config.container.split('/')[0]!;
  await store.ensureContainer(container);
  return { store, container, raw };
}

/** Deterministic bytes of a seed. */
export function seededBytes(size: number, seed = 1): Uint8Array {
  return new SeededRandom(seed).bytes(size);
}
