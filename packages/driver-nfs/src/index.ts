export { createNfsStore, nfsDriverPlugin, nfsDriverPlugin as default, nfsStore, sessionOptionsOf } from './plugin.js';
export { nfsConfig, type NfsConfig, type NfsConfigInput } from './config.js';
export { NfsSession, type Mounted, type NfsSessionOptions } from './nfs-session.js';
export { NfsTransport, type NfsTransportOptions } from './nfs-transport.js';
export {
  Nfs3Client,
  type DirectoryEntry,
  type DirectoryPage,
  type FsInfo,
  type LookupResult,
  type WriteResult,
} from './nfs3/nfs3-client.js';
export type { Fattr3 } from './nfs3/nfs3-types.js';
export { Nfs3Error } from './nfs3/nfs3-status.js';
export { MountError, mount, unmount, type MountResult } from './mount3.js';
export { getPort } from './portmap.js';
export { RpcClient, type RpcClientOptions, type CallOptions } from './rpc/rpc-client.js';
export { RpcError, type ProcedureId } from './rpc/rpc-message.js';
export { XdrReader, XdrError } from './rpc/xdr-reader.js';
export { XdrWriter } from './rpc/xdr-writer.js';
export type { AuthSysIdentity } from './rpc/auth-sys.js';
