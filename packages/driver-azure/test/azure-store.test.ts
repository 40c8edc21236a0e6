import { createHash } from 'node:crypto';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  ContainerSASPermissions,
  generateAccountSASQueryParameters,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { BufferRestoreTarget, BufferVolumeSource, ChunkedBackupDriver, newBackupRecord, StoreCatalog } from '@volback/core';
import { AuthError, IntegrityError } from '@volback/core/driver';
import { expect, it } from 'vitest';
import { createAzureStore } from '../src/index.js';
import {
  configFor,
  describeWithAzurite,
  freshStore,
  rawClient,
  recorder,
  type SeenRequest,
  seededBytes,
  uniqueContainer,
} from './azurite.js';

const MiB = 1024 * 1024;
const b64md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('base64');
const codeOf = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e as { code?: unknown }).code,
  );

describeWithAzurite('azure store', (server) => {
  it('sends Content-MD5 on every put and every staged block, and commits the whole blob MD5', async () => {
    const seen: SeenRequest[] = [];
    const { store, container, raw } = await freshStore(server, { blockThreshold: 2 * MiB, blockSize: MiB }, [recorder(seen)]);
    const small = seededBytes(1000, 1);
    const big = seededBytes(3 * MiB + 5, 2);
    await store.putObject(container, 'small', small);
    await store.putObject(container, 'empty', new Uint8Array(0));
    await store.putObject(container, 'big', big);
    const puts = seen.filter((r) => r.method === 'PUT' && !r.url.includes('restype=container'));
    const whole = puts.filter((r) => !r.url.includes('comp='));
    expect(whole.map((r) => r.headers['content-md5'])).toEqual([b64md5(small), b64md5(new Uint8Array(0))]);
    const blocks = puts.filter((r) => r.url.includes('comp=block&'));
    expect(blocks).toHaveLength(4);
    for (const b of blocks) expect(b.headers['content-md5']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(blocks.map((b) => b.bodyBytes)).toEqual([MiB, MiB, MiB, 5]);
    const blob = raw.getContainerClient(container).getBlockBlobClient('big');
    expect((await blob.getBlockList('committed')).committedBlocks).toHaveLength(4);
    expect(Buffer.from((await blob.getProperties()).contentMD5!).toString('base64')).toBe(b64md5(big));
    expect(b64md5(await store.getObject(container, 'big'))).toBe(b64md5(big));
  });

  it('a put damaged on its way is refused by the service and not stored (single and staged)', async () => {
    const { store, container } = await freshStore(server, { blockThreshold: MiB, blockSize: MiB }, [recorder([], true)]);
    const clean = createAzureStore({ ...configFor(server), container });
    for (const [name, size] of [
      ['one', 1000],
      ['staged', 2 * MiB],
    ] as const) {
      const err = await store.putObject(container, name, seededBytes(size, 3)).catch((e: unknown) => e);
      expect(err, name).toMatchObject({ code: 'E_BACKEND', transient: true });
      expect((err as Error).message).toMatch(/Md5Mismatch/);
      expect(await codeOf(clean.getObject(container, name))).toBe('E_NOT_FOUND');
    }
  });

  it('a read whose bytes do not match the stored MD5 is E_INTEGRITY naming the object, never data', async () => {
    const { store, container, raw } = await freshStore(server, { keyPrefix: 'pre/fix' });
    const data = seededBytes(5000, 4);
    await store.putObject(container, 'victim', data);
    await raw
      .getContainerClient(container)
      .getBlobClient('pre/fix/victim')
      .setHTTPHeaders({ blobContentMD5: createHash('md5').update('something else').digest() });
    const err = await store.getObject(container, 'victim').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).objectName).toBe('victim');
    expect((err as Error).message).toMatch(/^azure: GET .*pre\/fix\/victim: the data read hashes to MD5/);
  });

  it('a missing container is E_NOT_FOUND with a hint, and lists nothing', async () => {
    const config = configFor(server, { createContainer: false });
    const store = createAzureStore(config);
    const hint = /container "vb-t-[0-9a-f]+" does not exist in account devstoreaccount1; create it, or set createContainer: true/;
    for (const call of [
      () => store.ensureContainer(config.container),
      () => store.putObject(config.container, 'x', seededBytes(3)),
      () => store.checkForSetupError(),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect((err as { code?: unknown }).code).toBe('E_NOT_FOUND');
      expect((err as Error).message).toMatch(hint);
    }
    expect(await store.listObjects(config.container, '')).toEqual([]);
    await store.deleteObject(config.container, 'x');
    expect(await codeOf(store.getObject(config.container, 'x'))).toBe('E_NOT_FOUND');
  });

  it('writes the configured access tier, single and staged', async () => {
    const { store, container, raw } = await freshStore(server, { accessTier: 'Cool', blockThreshold: MiB, blockSize: MiB });
    await store.putObject(container, 'one', seededBytes(10, 5));
    await store.putObject(container, 'staged', seededBytes(2 * MiB, 6));
    for (const name of ['one', 'staged']) {
      expect((await raw.getContainerClient(container).getBlobClient(name).getProperties()).accessTier, name).toBe('Cool');
    }
  });

  it('as many calls at once as the engine runs, on one signal, raise no MaxListeners warning (a job shares its signal)', async () => {
    const { store, container } = await freshStore(server);
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const { signal } = new AbortController();
      await Promise.all(Array.from({ length: 8 }, (_, i) => store.putObject(container, `o${i}`, seededBytes(10, i), { signal })));
      await Promise.all(Array.from({ length: 8 }, (_, i) => store.getObject(container, `o${i}`, { signal })));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('lists page by page with the continuation token, every name once', async () => {
    const seen: SeenRequest[] = [];
    const { store, container } = await freshStore(server, { listPageSize: 2 }, [recorder(seen)]);
    const names = ['a/1', 'a/2', 'a/3', 'b/1', 'c'];
    for (const n of names) await store.putObject(container, n, seededBytes(1, 7));
    seen.length = 0;
    expect(await store.listObjects(container, '')).toEqual(names);
    const lists = seen.filter((r) => r.url.includes('comp=list'));
    expect(lists).toHaveLength(3);
    expect(lists.slice(1).every((r) => /[?&]marker=[^&]+/.test(r.url))).toBe(true);
    expect(await store.listObjects(container, 'a/')).toEqual(['a/1', 'a/2', 'a/3']);
  });

  it('a wrong key is E_AUTH on every call, naming the account and never the key', async () => {
    const { store: good, container } = await freshStore(server);
    const wrongKey = Buffer.alloc(64, 9).toString('base64');
    const bad = createAzureStore({ ...configFor(server), container, accountKey: wrongKey });
    await good.putObject(container, 'x', seededBytes(10, 8));
    for (const call of [
      () => bad.putObject(container, 'y', seededBytes(10)),
      () => bad.getObject(container, 'x'),
      () => bad.listObjects(container, ''),
      () => bad.deleteObject(container, 'x'),
      () => bad.checkForSetupError(),
      () => bad.ensureContainer(container),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthError);
      expect((err as Error).message).toMatch(
        /^azure: Azure rejected the credentials of account devstoreaccount1 \(shared key from the config\): .*HTTP 403/,
      );
      expect((err as Error).message).not.toContain(wrongKey);
    }
    expect((await good.getObject(container, 'x')).byteLength).toBe(10);
  });

  it('signs with a SAS token (from the environment too); a forged one is E_AUTH without its signature', async () => {
    const { container } = await freshStore(server);
    const sas = generateAccountSASQueryParameters(
      {
        expiresOn: new Date(Date.now() + 3600_000),
        permissions: AccountSASPermissions.parse('rwdlac'),
        resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
        services: AccountSASServices.parse('b').toString(),
      },
      new StorageSharedKeyCredential(server.account, server.key),
    ).toString();
    const noKey = { ...configFor(server), container, accountKey: undefined };
    const store = createAzureStore({ ...noKey, sasToken: sas });
    await store.putObject(container, 'sas', seededBytes(100, 9));
    const fromEnv = createAzureStore(noKey, { env: { AZURE_STORAGE_SAS_TOKEN: `?${sas}` } });
    expect((await fromEnv.getObject(container, 'sas')).byteLength).toBe(100);
    const forged = sas.replace(/sig=[^&]+/, 'sig=Zm9yZ2VkLXNpZ25hdHVyZQ%3D%3D');
    const err = await createAzureStore({ ...noKey, sasToken: forged })
      .getObject(container, 'sas')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toMatch(/account devstoreaccount1 \(SAS token from the config\)/);
    expect((err as Error).message).not.toMatch(/Zm9yZ2VkLXNpZ25hdHVyZQ/);
  });

  it("works with a container SAS, which cannot read the container's properties: backup, list, restore, delete", async () => {
    const { container } = await freshStore(server);
    const sas = generateBlobSASQueryParameters(
      { containerName: container, expiresOn: new Date(Date.now() + 3600_000), permissions: ContainerSASPermissions.parse('racwdl') },
      new StorageSharedKeyCredential(server.account, server.key),
    ).toString();
    const store = createAzureStore({ ...configFor(server), container, accountKey: undefined, sasToken: sas });
    await store.checkForSetupError();
    const driver = new ChunkedBackupDriver(store);
    try {
      const volume = seededBytes(3 * MiB + 7, 31);
      const { record } = await driver.backup(newBackupRecord({ volumeId: 'sas-volume' }), new BufferVolumeSource(volume));
      expect((await new StoreCatalog(store).list()).map((r) => r.id)).toEqual([record.id]);
      const restored = new BufferRestoreTarget();
      await driver.restore(record, 'sas-volume', restored);
      expect(Buffer.from(restored.data).equals(Buffer.from(volume))).toBe(true);
      await driver.deleteBackup(record);
      expect(await new StoreCatalog(store).list()).toEqual([]);
    } finally {
      await driver.close();
    }
    // Another container is out of the SAS's reach: refused as credentials, not taken for a missing one.
    const other = createAzureStore({ ...configFor(server), container: uniqueContainer(), accountKey: undefined, sasToken: sas });
    await expect(codeOf(other.checkForSetupError())).resolves.toBe('E_AUTH');
  });

  it('signs with a connection string from AZURE_STORAGE_CONNECTION_STRING', async () => {
    const container = uniqueContainer();
    const env = {
      AZURE_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=${server.account};AccountKey=${server.key};BlobEndpoint=${server.endpoint};`,
    };
    const store = createAzureStore({ container, createContainer: true, maxTries: 1 }, { env });
    await store.ensureContainer(container);
    await store.putObject(container, 'cs', seededBytes(10, 10));
    expect(await store.listObjects(container, '')).toEqual(['cs']);
    await expect(rawClient(server).getContainerClient(container).getBlobClient('cs').exists()).resolves.toBe(true);
  });

  it("signs every request with a host's TokenCredential", async () => {
    const scopes: unknown[] = [];
    const credential = {
      getToken: async (s: string | string[]) => {
        scopes.push(s);
        return { token: 'token-of-the-host', expiresOnTimestamp: Date.now() + 3600_000 };
      },
    };
    // Bearer tokens go over https only; nothing listens on this port, which is all the test needs.
    const store = createAzureStore(
      { container: 'backups', account: 'acct', endpoint: 'https://127.0.0.1:9/acct', maxTries: 1 },
      { credential, env: {} },
    );
    const err = await store.getObject('backups', 'x').catch((e: unknown) => e);
    expect(scopes).toEqual([['https://storage.azure.com/.default']]);
    expect((err as { code?: unknown }).code).toBe('E_BACKEND');
  });
});
