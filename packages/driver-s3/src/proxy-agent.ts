import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import { HttpsProxyAgent } from 'https-proxy-agent';

type ProxyUrl = `http://${string}`;
type ConnectOptions = Parameters<HttpsProxyAgent<ProxyUrl>['connect']>[1];

/**
 * An agent whose sockets are CONNECT tunnels through an http:// proxy, for http and https
 * endpoints alike: tunnelling rather than absolute-URI forwarding keeps the request bytes, and
 * so the SigV4 signature, untouched. Basic auth comes from the proxy URL's `user:password@`.
 */
export class ProxyTunnelAgent extends HttpsProxyAgent<ProxyUrl> {
  constructor(
    proxy: URL,
    private readonly secure: boolean,
    /** For the endpoint's TLS handshake: the agent's own options are the proxy connection's. */
    private readonly tls: ConnectionOptions,
    options: { keepAlive: boolean; maxSockets: number },
  ) {
    super(proxy, options);
  }

  /** The endpoint's scheme, fixed per agent: agent-base guesses it from the call stack, which a queued request does not show. */
  override isSecureEndpoint(): boolean {
    return this.secure;
  }

  /** A tunnel the proxy refused is an error, not its answer passed off as the endpoint's (a 403 is no S3 credential problem). */
  override async connect(req: ClientRequest, opts: ConnectOptions): Promise<Socket> {
    let status: number | undefined;
    req.once('proxyConnect', (answer: { statusCode?: number }) => (status = answer.statusCode));
    // The certificate is the endpoint's: checked against its host, which the agent leaves out of
    // the handshake's options (Node would then check an IP endpoint's certificate for `localhost`).
    const endpoint = {
      ...this.tls,
      checkServerIdentity: (_: string, cert: Parameters<typeof checkServerIdentity>[1]) => checkServerIdentity(opts.host ?? '', cert),
    };
    const socket = await super.connect(req, { ...opts, ...endpoint } as ConnectOptions);
    if (status === 200) return socket;
    socket.destroy();
    throw new Error(`proxy ${this.proxy.host} refused CONNECT ${opts.host ?? '?'}:${opts.port ?? '?'}: HTTP ${status ?? '?'}`);
  }
}
