import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { FinalizeRequestMiddleware, MetadataBearer } from '@smithy/types';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { S3ObjectStore } from '../src/index.js';
import { configFor, describeEachS3Server, freshStore, patternBytes } from './s3-servers.js';

/** A minimal CONNECT proxy on 127.0.0.1 that counts tunnels and only reaches 127.0.0.1. */
async function startConnectProxy(): Promise<{ server: Server; url: string; tunnels: string[]; close: () => Promise<void> }> {
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((_req, res) => {
    res.writeHead(405).end();
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    sockets.add(client);
    const [host, port] = (req.url ?? '').split(':');
    if (host !== '127.0.0.1' || port === undefined) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    tunnels.push(req.url ?? '');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    const drop = (): void => {
      upstream.destroy();
      client.destroy();
    };
    upstream.on('error', drop);
    client.on('error', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    tunnels,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describeEachS3Server('S3ObjectStore transport', (server) => {
  let proxy: Awaited<ReturnType<typeof startConnectProxy>>;
  beforeAll(async () => {
    proxy = await startConnectProxy();
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('tunnels every request through an http proxy', async () => {
    const store = new S3ObjectStore(configFor(server, { proxy: proxy.url }));
    try {
      await store.ensureContainer(store.config.bucket);
      const data = patternBytes(200_000, 9);
      await store.putObject(store.config.bucket, 'via-proxy', data);
      const back = await store.getObject(store.config.bucket, 'via-proxy');
      expect(createHash('md5').update(back).digest('hex')).toBe(createHash('md5').update(data).digest('hex'));
      const endpoint = new URL(server.endpoint);
      expect(proxy.tunnels.length).toBeGreaterThan(0);
      expect(new Set(proxy.tunnels)).toEqual(new Set([`${endpoint.hostname}:${endpoint.port}`]));
    } finally {
      await store.close();
    }
  });

  it('fails with a transient error when the proxy refuses the tunnel', async () => {
    const store = new S3ObjectStore(configFor(server, { proxy: 'http://127.0.0.1:9' }));
    try {
      const err = await store.getObject(store.config.bucket, 'x').catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'E_BACKEND', transient: true });
    } finally {
      await store.close();
    }
  });

  it('sends SSE-C headers with the raw key base64-encoded, as Cinder (boto3) does', async () => {
    const key = 'k'.repeat(16) + 'K'.repeat(16);
    const store = await freshStore(server, { sseCustomerAlgorithm: 'AES256', sseCustomerKey: key });
    const seen: Record<string, string>[] = [];
    const mw: FinalizeRequestMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
      if (context.commandName === 'PutObjectCommand' || context.commandName === 'GetObjectCommand') {
        seen.push({ ...(args.request as { headers: Record<string, string> }).headers });
      }
      return next(args);
    };
    store.client.middlewareStack.addRelativeTo(mw, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'testSsec' });
    try {
      // Servers without SSE-C may refuse it (Swift's s3api answers NotImplemented); the headers are what we check.
      await store.putObject(store.config.bucket, 'ssec', patternBytes(10)).catch(() => undefined);
      await store.getObject(store.config.bucket, 'ssec').catch(() => undefined);
      expect(seen).toHaveLength(2);
      for (const headers of seen) {
        expect(headers['x-amz-server-side-encryption-customer-algorithm']).toBe('AES256');
        expect(headers['x-amz-server-side-encryption-customer-key']).toBe(Buffer.from(key).toString('base64'));
        expect(headers['x-amz-server-side-encryption-customer-key-md5']).toBe(createHash('md5').update(key).digest('base64'));
      }
    } finally {
      await store.close();
    }
  });
});
