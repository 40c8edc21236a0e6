import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BackendError, CancelledError } from '@volback/core/driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureStore } from '../src/index.js';

// A fault-injecting server: it accepts requests and then stops, as a hung proxy or service would.
// GET /ccc/half sends headers and half the body, everything else gets no answer at all.
describe('azure stall guard', () => {
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      if (req.method === 'GET' && req.url?.startsWith('/acct/ccc/half')) {
        res.writeHead(200, { 'content-length': '1000', 'x-ms-blob-type': 'BlockBlob', etag: '"0x1"' });
        res.write(Buffer.alloc(500));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/acct`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const store = () =>
    createAzureStore({
      account: 'acct',
      container: 'ccc',
      endpoint,
      accountKey: 'a2V5',
      idleTimeoutMs: 1000,
      maxTries: 2,
      retryDelayMs: 10,
    });

  it('gives up a call that gets no answer, or a body that stops, with a transient E_BACKEND', async () => {
    const s = store();
    for (const call of [
      () => s.getObject('ccc', 'silent'),
      () => s.getObject('ccc', 'half'),
      () => s.putObject('ccc', 'x', new Uint8Array(10)),
      () => s.listObjects('ccc', ''),
    ]) {
      const started = Date.now();
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect((err as BackendError).transient).toBe(true);
      expect((err as Error).message).toMatch(/no progress for 1000 ms/);
      expect(Date.now() - started).toBeLessThan(5000);
    }
  });

  it("the caller's abort is still a cancellation", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const err = await store()
      .getObject('ccc', 'silent', { signal: ac.signal })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
  });
});
