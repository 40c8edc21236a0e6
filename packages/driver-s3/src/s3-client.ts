import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions } from 'node:https';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { S3Config } from './config.js';
import { ProxyTunnelAgent } from './proxy-agent.js';
import { s3Errors } from './s3-errors.js';

/** Builds the SDK client for a validated config: endpoint, credentials, TLS, proxy, timeouts, retries and the checksum mode. */
export function createS3Client(config: S3Config): S3Client {
  const sockets = { keepAlive: true, maxSockets: config.maxConnections };
  const tls: HttpsAgentOptions = { rejectUnauthorized: config.tlsVerify };
  if (config.caFile !== undefined) tls.ca = readCaFile(config.caFile);
  const proxy = config.proxy === undefined ? undefined : new URL(config.proxy);

  // Checksum mode. The SDK's default (WHEN_SUPPORTED) adds a CRC32 to every upload and, for
  // stream bodies, sends aws-chunked encoding with a trailing checksum. Swift 2.30's s3api
  // answers aws-chunked with 501, and s3rver silently stores the chunk framing as the object's
  // content. We always send Content-MD5 instead, which every S3 server checks (or ignores)
  // the same way, so WHEN_REQUIRED is the safe default; WHEN_SUPPORTED stays available for AWS.
  const clientConfig: S3ClientConfig = {
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    maxAttempts: config.maxAttempts,
    requestChecksumCalculation: config.checksumMode,
    responseChecksumValidation: config.checksumMode,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: config.connectTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      httpAgent: proxy ? new ProxyTunnelAgent(proxy, false, {}, sockets) : new HttpAgent(sockets),
      httpsAgent: proxy
        ? (new ProxyTunnelAgent(proxy, true, tls, sockets) as unknown as HttpsAgent)
        : new HttpsAgent({ ...sockets, ...tls }),
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
  // The SDK warns on Node 20 that its releases after January 2027 will need Node 22: eight lines on
  // every command's stderr about versions this package does not use (it pins its SDK). A user who
  // set the variable keeps their choice.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  return new S3Client(clientConfig);
}

function readCaFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw s3Errors.config(`cannot read caFile ${path}: ${err instanceof Error ? err.message : String(err)}`, 'caFile', err);
  }
}
