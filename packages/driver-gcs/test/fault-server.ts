import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP answer, whole. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What a test's fault server saw of one request. */
export interface SeenRequest {
  method: string;
  url: string;
  body: Buffer;
}

/** Decides one answer: its own (a fault), or the upstream's, passed on as is or altered. */
export type Handler = (req: SeenRequest, forward: () => Promise<Answer>) => Promise<Answer> | Answer;

/** GCS's JSON error answer. */
export function gcsError(status: number, message: string, reason: string): Answer {
  const body = Buffer.from(JSON.stringify({ error: { code: status, message, errors: [{ message, domain: 'global', reason }] } }));
  return { status, headers: { 'content-type': 'application/json; charset=UTF-8' }, body };
}

/**
 * A server on 127.0.0.1 between the SDK and `upstream` (the emulator) that injects faults: every
 * request goes through `handler`, which may answer itself or alter the emulator's answer.
 */
export async function startFaultServer(upstream: string | undefined, handler: Handler) {
  const seen: SeenRequest[] = [];
  const forwardTo = (req: IncomingMessage, body: Buffer) => (): Promise<Answer> =>
    new Promise((resolve, reject) => {
      if (upstream === undefined) return reject(new Error('no upstream'));
      const out = request(
        new URL(req.url ?? '/', upstream),
        { method: req.method, headers: { ...req.headers, host: new URL(upstream).host } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const one: SeenRequest = { method: req.method ?? 'GET', url: req.url ?? '/', body };
    seen.push(one);
    try {
      const answer = await handler(one, forwardTo(req, body));
      const headers = { ...answer.headers, 'content-length': String(answer.body.byteLength) };
      delete headers['transfer-encoding'];
      res.writeHead(answer.status, headers);
      res.end(answer.body);
    } catch (err) {
      res.writeHead(500);
      res.end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
