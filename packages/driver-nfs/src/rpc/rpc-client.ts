import { randomInt } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { AUTH_NONE_BODY, authSysCredential, type AuthSysIdentity, type OpaqueAuth } from './auth-sys.js';
import { RecordDecoder, lastFragmentHeader } from './record-marking.js';
import { type ProcedureId, readAcceptedReply, readReplyXid, writeCallHeader } from './rpc-message.js';
import { XdrReader } from './xdr-reader.js';
import { XdrWriter } from './xdr-writer.js';

/** Where and how an {@link RpcClient} calls. */
export interface RpcClientOptions {
  /** The server, a name or an address. */
  readonly host: string;
  /** The TCP port of the RPC program called. */
  readonly port: number;
  /** Who the calls are made as, sent with each call as its AUTH_SYS credential. */
  readonly identity: AuthSysIdentity;
  /** A call without its reply after this long fails with ETIMEDOUT, and the connection is dropped. */
  readonly timeoutMs: number;
  /** How long the TCP connect may take before it fails with ETIMEDOUT. */
  readonly connectTimeoutMs: number;
  /** The largest reply record accepted (a READ of rtmax and its header fit in it). */
  readonly maxRecordBytes?: number;
  /** Sees every record sent (`call`) and received (`reply`), framing removed: for capturing fixtures. */
  readonly tap?: (direction: 'call' | 'reply', record: Uint8Array) => void;
  /** The xid before the first call's and the AUTH_SYS stamp, random by default: fixed to replay a captured conversation. */
  readonly xidBase?: number;
  /** The AUTH_SYS stamp (see `xidBase`). */
  readonly stamp?: number;
}

/** Per call: a shorter timeout, and a signal that gives up waiting for the reply. */
export interface CallOptions {
  /** This call's timeout, instead of the client's `timeoutMs`. */
  readonly timeoutMs?: number;
  /** Gives up waiting for the reply when it fires; the call may still have reached the server. */
  readonly signal?: AbortSignal;
}

/** Above the largest READ reply the driver asks for (ioSize is at most 16 MiB) and its header. */
const DEFAULT_MAX_RECORD = 32 * 1024 * 1024;

/** A connection-level failure, errno-style as node's own (`ECONNRESET`, `ETIMEDOUT`): transient. */
function connectionError(code: string, message: string, cause?: unknown): Error {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });
}

interface PendingCall {
  readonly call: ProcedureId;
  readonly read: (reply: XdrReader) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

/** One TCP connection and the calls waiting on it; dead once closed. */
class RpcConnection {
  readonly pending = new Map<number, PendingCall>();
  closed = false;
  private closeReason: Error | undefined;

  private constructor(
    readonly socket: Socket,
    private readonly where: string,
  ) {}

  static open(options: RpcClientOptions): Promise<RpcConnection> {
    const where = `${options.host}:${options.port}`;
    return new Promise((resolve, reject) => {
      const socket = connect({ host: options.host, port: options.port, noDelay: true });
      const connection = new RpcConnection(socket, where);
      const decoder = new RecordDecoder((record) => connection.receive(record, options.tap), options.maxRecordBytes ?? DEFAULT_MAX_RECORD);
      const timer = setTimeout(
        () => socket.destroy(connectionError('ETIMEDOUT', `RPC connection to ${where} timed out after ${options.connectTimeoutMs} ms`)),
        options.connectTimeoutMs,
      );
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(connection);
      });
      socket.on('data', (chunk: Buffer) => {
        try {
          decoder.push(chunk);
        } catch (err) {
          socket.destroy(err as Error);
        }
      });
      socket.on('error', (err) => {
        connection.closeReason ??= err;
      });
      socket.on('close', () => {
        clearTimeout(timer);
        const reason = connection.closeReason;
        const failure = connectionError(
          (reason as { code?: string } | undefined)?.code ?? 'ECONNRESET',
          `RPC connection to ${where} closed${reason ? `: ${reason.message}` : ''}`,
          reason,
        );
        connection.shut(failure);
        reject(failure);
      });
    });
  }

  /** Fails every waiting call with `err` and closes the socket. */
  shut(err: Error): void {
    this.closeReason ??= err;
    this.closed = true;
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const p of calls) p.reject(err);
    this.socket.destroy();
  }

  private receive(record: Uint8Array, tap: RpcClientOptions['tap']): void {
    tap?.('reply', record);
    const reply = new XdrReader(record);
    let xid: number;
    try {
      xid = readReplyXid(reply);
    } catch (err) {
      this.socket.destroy(err as Error);
      return;
    }
    const pending = this.pending.get(xid);
    // A reply to a call given up on (timed out, aborted) is dropped.
    if (!pending) return;
    this.pending.delete(xid);
    try {
      readAcceptedReply(reply, pending.call);
      pending.resolve(pending.read(reply));
    } catch (err) {
      pending.reject(err);
    }
  }

  describe(): string {
    return this.where;
  }
}

/**
 * An ONC RPC client (RFC 5531) over TCP with record marking: AUTH_SYS, many calls in flight on
 * one connection matched by xid, a timeout per call, and a new connection for the next call
 * once one breaks (calls in flight on it fail with its error: only the caller knows which of
 * its procedures may be sent again).
 */
export class RpcClient {
  private connection: Promise<RpcConnection> | undefined;
  private xid: number;
  private readonly credential: OpaqueAuth;
  private ended = false;

  constructor(private readonly options: RpcClientOptions) {
    this.xid = options.xidBase ?? randomInt(0xffff_ffff);
    this.credential = authSysCredential(options.identity, options.stamp ?? randomInt(0x7fff_ffff));
  }

  /** Calls `procedure` with the arguments `writeArgs` encodes; resolves to what `readResults` decodes from the reply. */
  async call<T>(
    procedure: ProcedureId,
    writeArgs: (out: XdrWriter) => void,
    readResults: (reply: XdrReader) => T,
    options: CallOptions = {},
  ): Promise<T> {
    options.signal?.throwIfAborted();
    const connection = await this.connected();
    const xid = this.nextXid();
    const out = new XdrWriter();
    writeCallHeader(out, xid, procedure, this.credential, AUTH_NONE_BODY);
    writeArgs(out);
    const pieces = out.finish();
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    return new Promise<T>((resolve, reject) => {
      // Closed since it was handed out: the call would wait for a reply that cannot come.
      if (connection.closed) {
        reject(connectionError('ECONNRESET', `RPC connection to ${connection.describe()} closed`));
        return;
      }
      const signal = options.signal;
      const onAbort = (): void => {
        connection.pending.delete(xid);
        settle();
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        // No reply in time: the server or the path to it is stuck. A fresh connection is the only cure.
        connection.shut(
          connectionError(
            'ETIMEDOUT',
            `RPC call to ${connection.describe()} (procedure ${procedure.procedure}) timed out after ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const settle = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      connection.pending.set(xid, {
        call: procedure,
        read: readResults,
        resolve: (value) => {
          settle();
          resolve(value as T);
        },
        reject: (err) => {
          settle();
          reject(err);
        },
      });
      if (this.options.tap) this.options.tap('call', Buffer.concat(pieces));
      const socket = connection.socket;
      socket.cork();
      socket.write(lastFragmentHeader(out.length));
      for (const piece of pieces) socket.write(piece);
      socket.uncork();
    });
  }

  /** Closes the connection; calls in flight fail. The client may not be used again. */
  async close(): Promise<void> {
    this.ended = true;
    const connection = await this.connection?.catch(() => undefined);
    if (!connection || connection.closed) return;
    await new Promise<void>((resolve) => {
      connection.socket.once('close', () => resolve());
      connection.shut(connectionError('ECONNRESET', `RPC client for ${connection.describe()} closed`));
    });
  }

  private connected(): Promise<RpcConnection> {
    if (this.ended)
      return Promise.reject(connectionError('ECONNRESET', `RPC client for ${this.options.host}:${this.options.port} is closed`));
    const current = this.connection;
    if (current) {
      return current.then(
        (c) => (c.closed ? this.reconnect(current) : c),
        () => this.reconnect(current),
      );
    }
    return this.reconnect(undefined);
  }

  /** A new connection, unless another call made one since `broken` failed. */
  private reconnect(broken: Promise<RpcConnection> | undefined): Promise<RpcConnection> {
    if (this.connection === broken) {
      this.connection = RpcConnection.open(this.options);
      // Its failure is reported to the calls awaiting it; none may go unhandled.
      this.connection.catch(() => undefined);
    }
    return this.connection!;
  }

  private nextXid(): number {
    this.xid = (this.xid + 1) >>> 0;
    return this.xid;
  }
}
