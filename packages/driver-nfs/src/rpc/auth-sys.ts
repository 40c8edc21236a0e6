import { XdrWriter } from './xdr-writer.js';

/** RFC 5531's flavour numbers. */
export const AUTH_NONE = 0;
export const AUTH_SYS = 1;

/** RFC 5531 appendix A bounds. */
const MAX_MACHINE_NAME = 255;
const MAX_GIDS = 16;

/** Who the calls claim to be: AUTH_SYS trusts the client, the server maps (or squashes) the ids. */
export interface AuthSysIdentity {
  /** The user id the server checks permissions against; trusted as sent, as AUTH_SYS is. */
  readonly uid: number;
  /** The primary group id the server checks permissions against. */
  readonly gid: number;
  /** Supplementary groups, at most 16. */
  readonly gids?: readonly number[];
  /** Up to 255 bytes; servers log it and may match exports against it. */
  readonly machineName: string;
}

/** An opaque_auth: a flavour and its body. */
export interface OpaqueAuth {
  readonly flavor: number;
  readonly body: Uint8Array;
}

export const AUTH_NONE_BODY: OpaqueAuth = { flavor: AUTH_NONE, body: new Uint8Array(0) };

/** The AUTH_SYS credential of `identity` (RFC 5531 appendix A), its stamp fixed per client. */
export function authSysCredential(identity: AuthSysIdentity, stamp: number): OpaqueAuth {
  const gids = identity.gids ?? [];
  const name = Buffer.from(identity.machineName, 'utf8');
  if (name.length > MAX_MACHINE_NAME) throw new RangeError(`AUTH_SYS machine name is longer than ${MAX_MACHINE_NAME} bytes`);
  if (gids.length > MAX_GIDS) throw new RangeError(`AUTH_SYS takes at most ${MAX_GIDS} supplementary groups`);
  const body = new XdrWriter()
    .u32(stamp >>> 0)
    .opaque(name)
    .u32(identity.uid)
    .u32(identity.gid)
    .u32(gids.length);
  for (const gid of gids) body.u32(gid);
  return { flavor: AUTH_SYS, body: body.bytes() };
}
