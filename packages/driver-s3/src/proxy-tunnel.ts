import { Agent as HttpAgent, request as httpRequest, type AgentOptions } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { isIP, type Socket } from 'node:net';

/**
 * Opens a tunnel to `host:port` through an HTTP proxy with `CONNECT`. Tunnelling (rather than
 * absolute-URI forwarding) keeps the request bytes, and so the SigV4 signature, untouched, and
 * works the same for http and https endpoints.
 */
function openTunnel(proxy: URL, host: string, port: number, timeoutMs: number, done: (err: Error | null, socket?: Socket) => void): void {
  const headers: Record<string, string> = { host: `${host}:${port}` };
  if (proxy.username !== '') {
    const user = decodeURIComponent(proxy.username);
    const pass = decodeURIComponent(proxy.password);
    headers['proxy-authorization'] = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  const req = httpRequest({
    host: proxy.hostname.replace(/^\[|\]$/g, ''),
    port: proxy.port === '' ? 80 : Number(proxy.port),
    method: 'CONNECT',
    path: `${host}:${port}`,
    headers,
    timeout: timeoutMs,
    agent: false,
  });
  let settled = false;
  const finish = (err: Error | null, socket?: Socket): void => {
    if (settled) return;
    settled = true;
    done(err, socket);
  };
  req.once('connect', (res, socket) => {
    if (res.statusCode !== 200) {
      socket.destroy();
      finish(new Error(`proxy ${proxy.host} refused CONNECT ${host}:${port}: HTTP ${res.statusCode ?? '?'}`));
      return;
    }
    finish(null, socket);
  });
  req.once('timeout', () => req.destroy(Object.assign(new Error(`proxy ${proxy.host}: CONNECT timed out`), { code: 'ETIMEDOUT' })));
  req.once('error', (err) => finish(err));
  req.end();
}

type ConnectCallback = (err: Error | null, stream: Duplex) => void;
interface ConnectOptions {
  host?: string | null;
  hostname?: string | null;
  port?: number | string | null;
  servername?: string;
}

function target(options: ConnectOptions, defaultPort: number): { host: string; port: number } {
  const host = (options.hostname ?? options.host ?? 'localhost').replace(/^\[|\]$/g, '');
  const port = options.port === undefined || options.port === null || options.port === '' ? defaultPort : Number(options.port);
  return { host, port };
}

/** An http.Agent whose sockets are CONNECT tunnels through `proxy`. */
export class HttpTunnelAgent extends HttpAgent {
  constructor(
    private readonly proxy: URL,
    private readonly connectTimeoutMs: number,
    options: AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: ConnectOptions, callback: ConnectCallback): undefined {
    const { host, port } = target(options, 80);
    openTunnel(this.proxy, host, port, this.connectTimeoutMs, (err, socket) => {
      callback(err, socket as Duplex);
    });
    return undefined;
  }
}

/** An https.Agent whose TLS sessions run inside CONNECT tunnels through `proxy`. */
export class HttpsTunnelAgent extends HttpsAgent {
  constructor(
    private readonly proxy: URL,
    private readonly connectTimeoutMs: number,
    private readonly tlsOptions: HttpsAgentOptions,
  ) {
    super(tlsOptions);
  }

  override createConnection(options: ConnectOptions, callback: ConnectCallback): undefined {
    const { host, port } = target(options, 443);
    openTunnel(this.proxy, host, port, this.connectTimeoutMs, (err, socket) => {
      if (err || socket === undefined) {
        callback(err ?? new Error('proxy tunnel failed'), socket as Duplex);
        return;
      }
      // SNI must not carry an IP address.
      const servername = options.servername ?? (isIP(host) === 0 ? host : undefined);
      const tls = tlsConnect({ ...this.tlsOptions, socket, ...(servername === undefined ? {} : { servername }) });
      let settled = false;
      const settle = (tlsErr: Error | null): void => {
        if (settled) return;
        settled = true;
        callback(tlsErr, tls);
      };
      tls.once('secureConnect', () => settle(null));
      tls.once('error', settle);
    });
    return undefined;
  }
}
