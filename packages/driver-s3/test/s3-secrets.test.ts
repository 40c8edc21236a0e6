import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ConfigError, REDACTED, redactConfig, redactTarget, targetToUrl } from '@volback/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_KEY_PREFIX_BYTES } from '../src/config.js';
import plugin, { createS3Store } from '../src/index.js';
import { startConnectProxy } from './connect-proxy.js';

const parse = (input: unknown) => plugin.parseConfig(input);
const fromTarget = (target: string) => parse(plugin.configFromUrl?.(targetToUrl(target)));
const schema = plugin.configSchema;

const SECRET = 'TOPSECRET-s3-9f2c';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

/** Everything an error could show: message, stack, and its cause chain as a debugger prints it. */
function shown(err: Error): string {
  let text = `${err.message}\n${err.stack ?? ''}`;
  for (let c: unknown = err.cause; c; c = (c as { cause?: unknown }).cause) text += `\n${String(c)}\n${JSON.stringify(c)}`;
  return text;
}

describe('s3 secrets', () => {
  it('are redacted from a target and a config, proxy and endpoint passwords included', () => {
    const target = `s3://bk/p?accessKeyId=AK&secretAccessKey=${SECRET}1&sessionToken=${SECRET}2&sseCustomerKey=${SECRET}3&proxy=${encodeURIComponent(`http://u:${SECRET}4@127.0.0.1:3128`)}`;
    const text = redactTarget(target, schema);
    expect(text).not.toContain(SECRET);
    expect(text).toContain('accessKeyId=AK');
    const config = parse({
      bucket: 'bk',
      accessKeyId: 'AK',
      secretAccessKey: `${SECRET}1`,
      sessionToken: `${SECRET}2`,
      proxy: `http://u:${SECRET}4@127.0.0.1:3128`,
    });
    expect(JSON.stringify(redactConfig(config, schema))).not.toContain(SECRET);
    expect(redactConfig(config, schema)).toMatchObject({ secretAccessKey: REDACTED, accessKeyId: 'AK' });
  });

  it('never appear in config errors, nor in their causes', () => {
    const cases: (() => unknown)[] = [
      () => fromTarget(`s3://bad bucket/p?accessKeyId=x&secretAccessKey=${SECRET}`),
      () => fromTarget(`s3://bad_bucket!/p?accessKeyId=x&secretAccessKey=${SECRET}`),
      () => fromTarget(`s3://AK:${SECRET}@bucket/p`),
      () => parse({ bucket: 'bk', endpoint: `http://u:${SECRET}@bad host` }),
      () => parse({ bucket: 'bk', endpoint: `http://u:${SECRET}@127.0.0.1:9000` }),
      () => parse({ bucket: 'bk', proxy: `http://u:${SECRET}@bad host:3128` }),
      () => parse({ bucket: 'bk', proxy: `https://u:${SECRET}@127.0.0.1:3128` }),
      () => parse({ bucket: 'bk', secretAccessKey: SECRET }),
      () => parse({ bucket: 'bk', accessKeyId: 'AK', secretAccessKey: SECRET, sseCustomerKey: SECRET }),
      () => parse({ bucket: 'bk', sseCustomerKey: SECRET }),
      () => parse({ bucket: 'bk', secretAccessKey: SECRET, bogus: 1 }),
      () => parse({ bucket: 'bk', accessKeyId: 'AK', secretAccessKey: SECRET, sessionToken: SECRET, maxAttempts: 'x' }),
    ];
    for (const fn of cases) {
      const err = errorOf(fn);
      expect(err).toBeInstanceOf(ConfigError);
      expect(shown(err)).not.toContain(SECRET);
    }
  });

  it('keep object keys within 1024 bytes: keyPrefix and availabilityZone are bounded', () => {
    expect(parse({ bucket: 'bk', keyPrefix: 'p'.repeat(300) }).keyPrefix).toHaveLength(300);
    expect(parse({ bucket: 'bk', keyPrefix: 'p'.repeat(MAX_KEY_PREFIX_BYTES) }).keyPrefix).toHaveLength(MAX_KEY_PREFIX_BYTES);
    expect(errorOf(() => parse({ bucket: 'bk', keyPrefix: 'p'.repeat(MAX_KEY_PREFIX_BYTES + 1) }))).toMatchObject({ field: 'keyPrefix' });
    expect(errorOf(() => parse({ bucket: 'bk', keyPrefix: 'a\nb' }))).toMatchObject({ field: 'keyPrefix' });
    expect(errorOf(() => parse({ bucket: 'bk', availabilityZone: 'z'.repeat(65) }))).toMatchObject({ field: 'availabilityZone' });
    expect(errorOf(() => parse({ bucket: 'bk', availabilityZone: 'a/b' }))).toMatchObject({ field: 'availabilityZone' });
  });
});

describe('TLS certificate verification', () => {
  const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
  let server: Server;
  let endpoint: string;
  let handshakes = 0;
  let proxy: Awaited<ReturnType<typeof startConnectProxy>>;
  beforeAll(async () => {
    // A throwaway self-signed certificate for 127.0.0.1, valid 2000-2100: no CA trusts it.
    server = createServer(
      { cert: readFileSync(fixture('self-signed-127.0.0.1.crt')), key: readFileSync(fixture('self-signed-127.0.0.1.key')) },
      (_req, res) => {
        res.writeHead(200, { 'content-length': '0' }).end();
      },
    );
    server.on('secureConnection', () => handshakes++);
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    proxy = await startConnectProxy();
  });
  afterAll(async () => {
    await proxy?.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  // The same checks straight to the endpoint and through a CONNECT tunnel, where TLS runs inside the tunnel.
  const routes = { direct: () => ({}), 'through a proxy': () => ({ proxy: `http://127.0.0.1:${proxy.port}` }) };
  const storeWith = (route: keyof typeof routes, extra: Record<string, unknown>) =>
    createS3Store({
      bucket: 'bk',
      endpoint,
      forcePathStyle: true,
      accessKeyId: 'AK',
      secretAccessKey: SECRET,
      maxAttempts: 1,
      ...routes[route](),
      ...extra,
    });

  describe.each(Object.keys(routes) as (keyof typeof routes)[])('%s', (route) => {
    it('is on by default: a self-signed certificate is refused, and no request reaches the server', async () => {
      const store = storeWith(route, {});
      try {
        const before = handshakes;
        const err = await store.checkForSetupError().catch((e: unknown) => e as Error);
        expect(err).toBeInstanceOf(Error);
        expect(shown(err as Error)).toMatch(/self[- ]signed certificate|DEPTH_ZERO_SELF_SIGNED_CERT/i);
        expect(shown(err as Error)).not.toContain(SECRET);
        expect(handshakes).toBe(before);
      } finally {
        await store.close?.();
      }
    });

    it('trusts the certificate once given as caFile, and skips the check only when told to', async () => {
      const before = handshakes;
      const tunnels = proxy.tunnels.length;
      for (const extra of [{ caFile: fixture('self-signed-127.0.0.1.crt') }, { tlsVerify: false }]) {
        const store = storeWith(route, extra);
        try {
          await store.checkForSetupError();
        } finally {
          await store.close?.();
        }
      }
      expect(handshakes - before).toBeGreaterThanOrEqual(2);
      expect(proxy.tunnels.length - tunnels).toBe(route === 'direct' ? 0 : 2);
    });
  });
});
