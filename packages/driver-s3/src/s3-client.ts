import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions } from 'node:https';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { FinalizeRequestMiddleware, MetadataBearer } from '@smithy/types';
import { ConfigError } from '@volback/core';
import { contentMd5 } from './content-md5.js';
import { S3_DEFAULTS, type S3StoreConfig } from './config.js';
import { HttpsTunnelAgent, HttpTunnelAgent } from './proxy-tunnel.js';

/**
 * Builds the SDK client for a validated config: endpoint, credentials, TLS, proxy, timeouts,
 * retries and the checksum mode, plus the DeleteObjects Content-MD5 middleware.
 */
export function createS3Client(config: S3StoreConfig): S3Client {
  const connectTimeout = config.connectTimeoutMs ?? S3_DEFAULTS.connectTimeoutMs;
  const maxSockets = config.maxConnections ?? S3_DEFAULTS.maxConnections;
  const tls: HttpsAgentOptions = {
    keepAlive: true,
    maxSockets,
    rejectUnauthorized: config.tlsVerify ?? S3_DEFAULTS.tlsVerify,
  };
  if (config.caFile !== undefined) tls.ca = readCaFile(config.caFile);

  let httpAgent: HttpAgent;
  let httpsAgent: HttpsAgent;
  if (config.proxy !== undefined) {
    const proxy = new URL(config.proxy);
    httpAgent = new HttpTunnelAgent(proxy, connectTimeout, { keepAlive: true, maxSockets });
    httpsAgent = new HttpsTunnelAgent(proxy, connectTimeout, tls);
  } else {
    httpAgent = new HttpAgent({ keepAlive: true, maxSockets });
    httpsAgent = new HttpsAgent(tls);
  }

  // Checksum mode. The SDK's default (WHEN_SUPPORTED) adds a CRC32 to every upload and, for
  // stream bodies, sends aws-chunked encoding with a trailing checksum. Swift 2.30's s3api
  // answers aws-chunked with 501, and s3rver silently stores the chunk framing as the object's
  // content. We always send Content-MD5 instead, which every S3 server checks (or ignores)
  // the same way, so WHEN_REQUIRED is the safe default; WHEN_SUPPORTED stays available for AWS.
  const checksumMode = config.checksumMode ?? S3_DEFAULTS.checksumMode;
  const clientConfig: S3ClientConfig = {
    region: config.region ?? S3_DEFAULTS.region,
    forcePathStyle: config.forcePathStyle ?? S3_DEFAULTS.forcePathStyle,
    maxAttempts: config.maxAttempts ?? S3_DEFAULTS.maxAttempts,
    requestChecksumCalculation: checksumMode,
    responseChecksumValidation: checksumMode,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: connectTimeout,
      requestTimeout: config.requestTimeoutMs ?? S3_DEFAULTS.requestTimeoutMs,
      httpAgent,
      httpsAgent,
    }),
  };
  if (config.endpoint !== undefined) clientConfig.endpoint = config.endpoint;
  if (config.profile !== undefined) clientConfig.profile = config.profile;
  if (config.accessKeyId !== undefined && config.secretAccessKey !== undefined) {
    clientConfig.credentials = {
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      ...(config.sessionToken === undefined ? {} : { sessionToken: config.sessionToken }),
    };
  }
  const client = new S3Client(clientConfig);
  addDeleteObjectsContentMd5(client);
  return client;
}

function readCaFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`s3: cannot read caFile ${path}: ${err instanceof Error ? err.message : String(err)}`, 'caFile', {
      cause: err,
    });
  }
}

/** The request shape the middleware touches; the SDK's HttpRequest has these fields. */
interface MutableHttpRequest {
  headers: Record<string, string>;
  body?: unknown;
}

function isMutableHttpRequest(value: unknown): value is MutableHttpRequest {
  return typeof value === 'object' && value !== null && typeof (value as { headers?: unknown }).headers === 'object';
}

/**
 * S3 requires an integrity header on DeleteObjects. Recent SDKs send a CRC32 there, but Swift's
 * s3api (and older S3 implementations) insist on Content-MD5 and answer 400 "Missing required
 * header for this request: Content-MD5". Just before signing, swap the flexible checksum for
 * Content-MD5 of the XML body. Real S3 accepts either.
 */
function addDeleteObjectsContentMd5(client: S3Client): void {
  const middleware: FinalizeRequestMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    if (context.commandName === 'DeleteObjectsCommand' && isMutableHttpRequest(args.request)) {
      const request = args.request;
      const body = request.body;
      if (typeof body === 'string' || body instanceof Uint8Array) {
        for (const name of Object.keys(request.headers)) {
          const lower = name.toLowerCase();
          if (lower.startsWith('x-amz-checksum-') || lower === 'x-amz-sdk-checksum-algorithm' || lower === 'content-md5') {
            delete request.headers[name];
          }
        }
        request.headers['content-md5'] = contentMd5(body);
      }
    }
    return next(args);
  };
  client.middlewareStack.addRelativeTo(middleware, {
    relation: 'before',
    toMiddleware: 'httpSigningMiddleware',
    name: 'volbackDeleteObjectsContentMd5',
    override: true,
  });
}
