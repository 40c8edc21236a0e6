import { createHash } from 'node:crypto';
import type { FinalizeRequestMiddleware, MetadataBearer } from '@smithy/types';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startConnectProxy } from './connect-proxy.js';
import { configFor, describeEachS3Server, freshStore, seededBytes, storeOn } from './s3-servers.js';

const PROXY_PASSWORD = 'proxy-pw-7c1e';

describeEachS3Server('s3 transport', (server) => {
  let proxy: Awaited<ReturnType<typeof startConnectProxy>>;
  let guarded: Awaited<ReturnType<typeof startConnectProxy>>;
  beforeAll(async () => {
    proxy = await startConnectProxy();
    guarded = await startConnectProxy(`volback:${PROXY_PASSWORD}`);
  });
  afterAll(async () => {
    await proxy?.close();
    await guarded?.close();
  });

  it('tunnels every request through an http proxy', async () => {
    const { store, bucket } = storeOn(configFor(server, { proxy: `http://127.0.0.1:${proxy.port}` }));
    try {
      await store.ensureContainer(bucket);
      const data = seededBytes(200_000, 9);
      await store.putObject(bucket, 'via-proxy', data);
      const back = await store.getObject(bucket, 'via-proxy');
      expect(createHash('md5').update(back).digest('hex')).toBe(createHash('md5').update(data).digest('hex'));
      const endpoint = new URL(server.endpoint);
      expect(proxy.tunnels.length).toBeGreaterThan(0);
      expect(new Set(proxy.tunnels)).toEqual(new Set([`${endpoint.hostname}:${endpoint.port}`]));
    } finally {
      await store.close?.();
    }
  });

  it("sends Basic auth from the proxy URL's user:password, and a refused tunnel is an error that keeps the password out", async () => {
    const good = storeOn(configFor(server, { proxy: `http://volback:${PROXY_PASSWORD}@127.0.0.1:${guarded.port}` }));
    const bad = storeOn(configFor(server, { proxy: `http://volback:wrong-${PROXY_PASSWORD}@127.0.0.1:${guarded.port}` }));
    try {
      await good.store.ensureContainer(good.bucket);
      await good.store.putObject(good.bucket, 'authorised', seededBytes(10));
      expect(guarded.tunnels.length).toBeGreaterThan(0);
      const err = (await bad.store.getObject(bad.bucket, 'x').catch((e: unknown) => e)) as Error;
      expect(err).toMatchObject({ code: 'E_BACKEND' });
      expect(err.message).toMatch(/^s3: GET .*refused CONNECT 127\.0\.0\.1:\d+: HTTP 407/);
      expect(`${err.message}\n${err.stack ?? ''}`).not.toContain(PROXY_PASSWORD);
      expect(guarded.authorizations.at(-1)).toBe(`Basic ${Buffer.from(`volback:wrong-${PROXY_PASSWORD}`).toString('base64')}`);
    } finally {
      await good.store.close?.();
      await bad.store.close?.();
    }
  });

  it('fails with a transient error when the proxy cannot be reached', async () => {
    const { store, bucket } = storeOn(configFor(server, { proxy: 'http://127.0.0.1:9' }));
    try {
      const err = await store.getObject(bucket, 'x').catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'E_BACKEND', transient: true });
    } finally {
      await store.close?.();
    }
  });

  it('sends SSE-C headers with the raw key base64-encoded, as Cinder (boto3) does', async () => {
    const key = 'k'.repeat(16) + 'K'.repeat(16);
    const { store, bucket, client } = await freshStore(server, { sseCustomerAlgorithm: 'AES256', sseCustomerKey: key });
    const seen: Record<string, string>[] = [];
    const mw: FinalizeRequestMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
      if (context.commandName === 'PutObjectCommand' || context.commandName === 'GetObjectCommand') {
        seen.push({ ...(args.request as { headers: Record<string, string> }).headers });
      }
      return next(args);
    };
    client.middlewareStack.addRelativeTo(mw, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'testSsec' });
    try {
      // Servers without SSE-C may refuse it (Swift's s3api answers NotImplemented); the headers are what we check.
      await store.putObject(bucket, 'ssec', seededBytes(10)).catch(() => undefined);
      await store.getObject(bucket, 'ssec').catch(() => undefined);
      expect(seen).toHaveLength(2);
      for (const headers of seen) {
        expect(headers['x-amz-server-side-encryption-customer-algorithm']).toBe('AES256');
        expect(headers['x-amz-server-side-encryption-customer-key']).toBe(Buffer.from(key).toString('base64'));
        expect(headers['x-amz-server-side-encryption-customer-key-md5']).toBe(createHash('md5').update(key).digest('base64'));
      }
    } finally {
      await store.close?.();
    }
  });
});
