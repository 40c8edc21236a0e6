import type { OpaqueAuth } from './auth-sys.js';
import { XdrError, type XdrReader } from './xdr-reader.js';
import type { XdrWriter } from './xdr-writer.js';

const CALL = 0;
const REPLY = 1;
const RPC_VERSION = 2;
const MSG_ACCEPTED = 0;
const MSG_DENIED = 1;
const MAX_AUTH_BODY = 400;

/** The program, version and procedure a call is to. */
export interface ProcedureId {
  /** ONC RPC program number (100003 NFS, 100005 MOUNT, 100000 portmapper). */
  readonly program: number;
  /** The program's version (3 for NFSv3 and MOUNT v3). */
  readonly version: number;
  /** The procedure number within that version. */
  readonly procedure: number;
}

const ACCEPT_STATUS = ['SUCCESS', 'PROG_UNAVAIL', 'PROG_MISMATCH', 'PROC_UNAVAIL', 'GARBAGE_ARGS', 'SYSTEM_ERR'] as const;
const AUTH_STATUS = [
  'AUTH_OK',
  'AUTH_BADCRED',
  'AUTH_REJECTEDCRED',
  'AUTH_BADVERF',
  'AUTH_REJECTEDVERF',
  'AUTH_TOOWEAK',
  'AUTH_INVALIDRESP',
  'AUTH_FAILED',
] as const;

/**
 * A call the server refused at the RPC level (RFC 5531 §9): the program, version or procedure
 * is not served, the arguments did not decode, or the credential was refused. `code` is
 * errno-style: EACCES for a refused credential, EPROTO for the rest (none is cured by retrying).
 */
export class RpcError extends Error {
  /** The class name, as stack traces and logs print it (`Error` otherwise). */
  override readonly name = 'RpcError';
  /** The errno core reads: `EACCES` for a refused credential, `EPROTO` for anything else the server rejected. */
  readonly code: 'EACCES' | 'EPROTO';
  constructor(
    /** `PROG_UNAVAIL`, `AUTH_TOOWEAK`, `RPC_MISMATCH`, … */
    readonly status: string,
    message: string,
  ) {
    super(message);
    this.code = status.startsWith('AUTH_') ? 'EACCES' : 'EPROTO';
  }
}

/** Writes a call's header (RFC 5531 §9 `call_body`); the procedure's arguments follow it. */
export function writeCallHeader(out: XdrWriter, xid: number, call: ProcedureId, credential: OpaqueAuth, verifier: OpaqueAuth): void {
  out.u32(xid).u32(CALL).u32(RPC_VERSION).u32(call.program).u32(call.version).u32(call.procedure);
  out.u32(credential.flavor).opaque(credential.body, MAX_AUTH_BODY);
  out.u32(verifier.flavor).opaque(verifier.body, MAX_AUTH_BODY);
}

/** The xid a reply answers, read first so the reply can be matched to its call. */
export function readReplyXid(reply: XdrReader): number {
  const xid = reply.u32();
  const type = reply.u32();
  if (type !== REPLY) throw new XdrError(`RPC message type ${type} where a reply was expected`);
  return xid;
}

/**
 * Reads the rest of a reply's header (after {@link readReplyXid}), leaving `reply` at the
 * procedure's results. Throws RpcError for anything but an accepted, successful call.
 */
export function readAcceptedReply(reply: XdrReader, call: ProcedureId): void {
  const what = `program ${call.program} version ${call.version} procedure ${call.procedure}`;
  const stat = reply.u32();
  if (stat === MSG_DENIED) {
    const reject = reply.u32();
    if (reject === 0) {
      const low = reply.u32();
      const high = reply.u32();
      throw new RpcError('RPC_MISMATCH', `RPC call refused: the server speaks RPC versions ${low} to ${high}, not ${RPC_VERSION}`);
    }
    if (reject !== 1) throw new XdrError(`RPC reject status ${reject}`);
    const auth = reply.u32();
    const status = AUTH_STATUS[auth] ?? `AUTH_${auth}`;
    throw new RpcError(status, `RPC call to ${what} refused: credential not accepted (${status})`);
  }
  if (stat !== MSG_ACCEPTED) throw new XdrError(`RPC reply status ${stat}`);
  reply.u32(); // verifier flavour: AUTH_SYS replies carry AUTH_NONE, nothing to check
  reply.opaque(MAX_AUTH_BODY);
  const accept = reply.u32();
  if (accept === 0) return;
  const status = ACCEPT_STATUS[accept] ?? `ACCEPT_${accept}`;
  if (status === 'PROG_MISMATCH') {
    const low = reply.u32();
    const high = reply.u32();
    throw new RpcError(status, `RPC call to ${what} refused: the server has versions ${low} to ${high} of program ${call.program}`);
  }
  throw new RpcError(status, `RPC call to ${what} refused (${status})`);
}
