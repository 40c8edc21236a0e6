import { createHash, type Hash } from 'node:crypto';
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { defineObjectStore, IntegrityError, type ListPage, objectStoreLayout, readBody, type ObjectStore } from '@volback/core/driver';
import { type AzureConfig, locationOf } from './config.js';
import { azureErrors, classifyAzureError, type ErrorContext, isContainerNotFound, isNotFound } from './azure-errors.js';
import { md5 } from './md5.js';
import { uploadStaged } from './staged-upload.js';
import { withStallGuard } from './stall-guard.js';

/**
 * Cinder's object-store layout in Azure Blob Storage, from validated config: one container per
 * Cinder container, one block blob per object, named `volume_<vol>/<ts>/az_<az>_backup_<id>…`,
 * optionally under a key prefix the engine never sees. Every upload carries Content-MD5, which
 * the service checks; objects above `blockThreshold` are staged as blocks in parallel and
 * committed with the whole object's MD5; every read is checked against the stored MD5.
 */
export function azureObjectStore(config: AzureConfig, client: BlobServiceClient, context: ErrorContext): ObjectStore {
  const { container: defaultContainer, keyPrefix } = locationOf(config);
  const layout = objectStoreLayout({ availabilityZone: config.availabilityZone, defaultContainer, keyPrefix });
  const tier = config.accessTier;
  const missingContainer = (container: string): string =>
    `container ${JSON.stringify(container)} does not exist in account ${context.account}; create it, ` +
    'or set createContainer: true (URL: ?createContainer=true) to let volback create it';
  const blobOf = (container: string, key: string) => client.getContainerClient(container).getBlockBlobClient(key);
  const guarded = <T>(what: string, signal: AbortSignal | undefined, call: (signal: AbortSignal, progress: () => void) => Promise<T>) =>
    withStallGuard(what, signal ?? new AbortController().signal, config.idleTimeoutMs, call);

  // One blob listed, not the container's properties: a container SAS, the least a backup needs,
  // may list the container but not read its properties (Azure refuses that with 403).
  const containerExists = async (container: string, signal?: AbortSignal): Promise<boolean> => {
    try {
      await guarded(`LIST container ${container}`, signal, (abortSignal) =>
        client.getContainerClient(container).listBlobsFlat({ abortSignal }).byPage({ maxPageSize: 1 }).next(),
      );
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw classifyAzureError(err, `LIST container ${container}`, context);
    }
  };

  return defineObjectStore('azure', {
    service: 'volback.drivers.azure.AzureBlobBackupDriver',
    layout,
    maxConcurrency: config.maxConcurrency,
    // List Blobs has no start-after: the `_metadata` objects are found in one full listing.
    listing: { delimiter: true },
    classifyError: (err, what) => classifyAzureError(err, what, context),

    async ensureContainer(container, { signal }) {
      if (await containerExists(container, signal)) return;
      if (!config.createContainer) throw azureErrors.notFound(missingContainer(container));
      try {
        // Another writer may win the race: the container is there either way.
        await guarded(`CREATE container ${container}`, signal, (abortSignal) =>
          client.getContainerClient(container).createIfNotExists({ abortSignal }),
        );
      } catch (err) {
        throw classifyAzureError(err, `CREATE container ${container}`, context);
      }
    },

    async put(container, key, data, { signal }) {
      const blob = blobOf(container, key);
      try {
        await guarded(`PUT ${container}/${key}`, signal, async (abortSignal, onProgress) => {
          if (data.byteLength > config.blockThreshold) {
            const { blockSize, blockConcurrency: concurrency } = config;
            await uploadStaged(data, { blob, blockSize, concurrency, tier, signal: abortSignal, onProgress });
            return;
          }
          await blob.upload(data, data.byteLength, {
            transactionalContentMD5: md5(data),
            ...(tier === undefined ? {} : { tier }),
            abortSignal,
            onProgress,
          });
        });
      } catch (err) {
        // A put into a missing container says how to get one.
        if (isContainerNotFound(err)) throw azureErrors.notFound(missingContainer(container), err);
        throw err;
      }
    },

    async get(container, key, { signal, allocate }) {
      const what = `GET ${container}/${key}`;
      return guarded(what, signal, async (abortSignal, onProgress) => {
        // The SDK resumes a cut body itself, from where it broke, up to maxTries - 1 times.
        const blob = blobOf(container, key);
        const answer = await blob.download(0, undefined, { abortSignal, onProgress, maxRetryRequests: config.maxTries - 1 });
        const stream = answer.readableStreamBody;
        if (stream === undefined) throw azureErrors.backend(`${what}: the answer has no body`, true);
        // A blob committed from blocks by another tool may have no MD5: the engine's own hashes still check it.
        const stored = answer.contentMD5 !== undefined && answer.contentMD5.byteLength > 0 ? Buffer.from(answer.contentMD5) : undefined;
        // Hashed as it arrives, while the next chunk is on its way, rather than in a second pass.
        const hash = stored === undefined ? undefined : createHash('md5');
        const body = hash === undefined ? stream : hashing(stream, hash);
        const bytes = await readBody(azureErrors, what, { body, length: answer.contentLength, collect: () => collect(body) }, allocate);
        if (stored !== undefined && hash !== undefined) {
          const actual = hash.digest();
          if (!actual.equals(stored)) {
            throw new IntegrityError(
              `azure: ${what}: the data read hashes to MD5 ${actual.toString('base64')}, the blob's stored Content-MD5 is ${stored.toString('base64')}`,
              key.slice(layout.keyPrefix.length),
            );
          }
        }
        return bytes;
      });
    },

    async delete(container, key, { signal }) {
      try {
        await guarded(`DELETE ${container}/${key}`, signal, (abortSignal) => blobOf(container, key).delete({ abortSignal }));
      } catch (err) {
        // Deleting what is not there succeeds, as in Cinder; a missing container holds nothing.
        if (!isNotFound(err)) throw err;
      }
    },

    async listPage(container, { prefix, cursor, delimiter }, { signal }) {
      const paging = { maxPageSize: config.listPageSize, ...(cursor === undefined ? {} : { continuationToken: cursor }) };
      try {
        return await guarded(`LIST ${container}/${prefix}`, signal, (abortSignal) =>
          listOnePage(client.getContainerClient(container), { prefix, abortSignal }, paging, delimiter),
        );
      } catch (err) {
        // Like a missing directory for posix: nothing is stored there.
        if (isContainerNotFound(err)) return { names: [] };
        throw err;
      }
    },

    // A backup's own container is kept in its record; the account's other containers need not be backups'.
    listContainers: async () => [defaultContainer],

    /** Proves the credentials and that the configured container is reachable (or may be created). */
    async check() {
      if (!(await containerExists(defaultContainer)) && !config.createContainer) {
        throw azureErrors.notFound(missingContainer(defaultContainer));
      }
    },
  });
}

/** One page of List Blobs, flat or grouped at the delimiter. */
async function listOnePage(
  c: ContainerClient,
  options: { prefix: string; abortSignal: AbortSignal },
  paging: { maxPageSize: number; continuationToken?: string },
  delimiter: string | undefined,
): Promise<ListPage> {
  if (delimiter !== undefined) {
    const result = await c.listBlobsByHierarchy(delimiter, options).byPage(paging).next();
    if (result.done === true) return { names: [] };
    const page = result.value;
    const prefixes = (page.segment.blobPrefixes ?? []).map((p) => p.name);
    return { names: page.segment.blobItems.map((b) => b.name), prefixes, ...nextOf(page.continuationToken) };
  }
  const result = await c.listBlobsFlat(options).byPage(paging).next();
  if (result.done === true) return { names: [] };
  const page = result.value;
  return { names: page.segment.blobItems.map((b) => b.name), ...nextOf(page.continuationToken) };
}

/** The page's `next`: Azure ends a listing with an empty continuation token. */
function nextOf(token: string | undefined): { next?: string } {
  return token === undefined || token === '' ? {} : { next: token };
}

/** The chunks of `body`, each added to `hash` on its way through. */
async function* hashing(body: AsyncIterable<Buffer | string>, hash: Hash): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    hash.update(bytes);
    yield bytes;
  }
}

async function collect(body: AsyncIterable<Buffer | string>): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
