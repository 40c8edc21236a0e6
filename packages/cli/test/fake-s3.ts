import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An in-process S3 server, path-style, for CLI tests that need a store to open without the test
 * servers: buckets, PUT, GET (with Range), HEAD, DELETE and ListObjectsV2 (one page, no
 * delimiter). It checks no signature; it records every request line and header, so a test can
 * prove what the client sent.
 */
export interface FakeS3 {
  endpoint: string;
  /** Request lines and headers, as received. */
  requests: string[];
  close(): Promise<void>;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function startFakeS3(buckets: string[]): Promise<FakeS3> {
  const objects = new Map<string, Map<string, Buffer>>(buckets.map((b) => [b, new Map()]));
  const requests: string[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    requests.push(`${req.method} ${req.url}\n${JSON.stringify(req.headers)}`);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    const [, bucketName = '', ...rest] = url.pathname.split('/');
    const bucket = objects.get(decodeURIComponent(bucketName));
    const key = decodeURIComponent(rest.join('/'));
    if (!bucket) {
      res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchBucket</Code><Message>no bucket</Message></Error>');
      return;
    }
    if (key === '') {
      if (req.method === 'HEAD') {
        res.writeHead(200).end();
        return;
      }
      const prefix = url.searchParams.get('prefix') ?? '';
      const keys = [...bucket.keys()].filter((k) => k.startsWith(prefix)).sort();
      const contents = keys.map((k) => `<Contents><Key>${xml(k)}</Key><Size>${bucket.get(k)?.length ?? 0}</Size></Contents>`).join('');
      res
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(
          `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xml(bucketName)}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
        );
      return;
    }
    if (req.method === 'PUT') {
      bucket.set(key, body);
      res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` }).end();
      return;
    }
    if (req.method === 'DELETE') {
      bucket.delete(key);
      res.writeHead(204).end();
      return;
    }
    const data = bucket.get(key);
    if (!data) {
      res
        .writeHead(404, { 'content-type': 'application/xml' })
        .end(req.method === 'HEAD' ? undefined : '<Error><Code>NoSuchKey</Code><Message>no key</Message></Error>');
      return;
    }
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = Math.min(Number(range[2]), data.length - 1);
      if (start >= data.length) {
        res.writeHead(416).end();
        return;
      }
      const part = data.subarray(start, end + 1);
      res
        .writeHead(206, { 'content-length': part.length, 'content-range': `bytes ${start}-${end}/${data.length}` })
        .end(req.method === 'HEAD' ? undefined : part);
      return;
    }
    res
      .writeHead(200, { 'content-length': data.length, etag: `"${createHash('md5').update(data).digest('hex')}"` })
      .end(req.method === 'HEAD' ? undefined : data);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
