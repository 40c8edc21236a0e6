import { Nfs3Client, Nfs3Error, RpcClient, type RpcClientOptions, mount, unmount } from '../src/index.js';
import { Access, Stable } from '../src/nfs3/nfs3-client.js';

/** The identity, xids and stamp of the captured conversation: fixed, so a replay sends the very same bytes. */
export const CONVERSATION_CLIENT = {
  identity: { uid: 0, gid: 0, machineName: 'volback-fixture' },
  stamp: 0x5eed,
  mountXidBase: 0x1000,
  nfsXidBase: 0x2000,
} as const;

export const WRITTEN = new TextEncoder().encode('volback nfs fixture\n');

/** What a step ended with: its result's telling fields, or the NFS status it failed with. */
export type StepOutcome = Record<string, unknown>;

function statusOf(err: unknown): StepOutcome {
  if (err instanceof Nfs3Error) return { status: err.status, code: err.code };
  throw err;
}

/** RPC clients on the two ports, with the conversation's fixed identity; `tap` sees every record. */
export function conversationClients(
  host: string,
  ports: { mount: number; nfs: number },
  tap?: (port: 'mount' | 'nfs') => RpcClientOptions['tap'],
) {
  const base = { host, identity: CONVERSATION_CLIENT.identity, stamp: CONVERSATION_CLIENT.stamp, timeoutMs: 5000, connectTimeoutMs: 5000 };
  const mountTap = tap?.('mount');
  const nfsTap = tap?.('nfs');
  return {
    mount: new RpcClient({ ...base, port: ports.mount, xidBase: CONVERSATION_CLIENT.mountXidBase, ...(mountTap ? { tap: mountTap } : {}) }),
    nfs: new RpcClient({ ...base, port: ports.nfs, xidBase: CONVERSATION_CLIENT.nfsXidBase, ...(nfsTap ? { tap: nfsTap } : {}) }),
  };
}

/**
 * Every procedure the driver uses, once, in a fixed order, against export `exportPath`, in a
 * directory `dirName` it creates and removes: calls one at a time, so the records come in order.
 */
export async function runConversation(
  clients: { mount: RpcClient; nfs: RpcClient },
  exportPath: string,
  dirName: string,
): Promise<StepOutcome[]> {
  const out: StepOutcome[] = [];
  const { handle: root } = await mount(clients.mount, exportPath);
  out.push({ step: 'MNT', handleBytes: root.length });
  const nfs = new Nfs3Client(clients.nfs);
  await nfs.null();
  out.push({ step: 'NULL' });
  const info = await nfs.fsinfo(root);
  out.push({ step: 'FSINFO', rtmax: info.rtmax, wtmax: info.wtmax });
  const rootAttributes = await nfs.getattr(root, 'root');
  out.push({ step: 'GETATTR', type: rootAttributes.type });
  out.push({ step: 'LOOKUP missing', ...(await nfs.lookup(root, 'no-such-name', 'missing').then(() => ({}), statusOf)) });
  const dir = await nfs.mkdir(root, dirName, 0o750, 'dir');
  out.push({ step: 'MKDIR', type: dir.attributes?.type, mode: dir.attributes?.mode });
  const file = await nfs.create(dir.handle, 'a.bin', 0o640, 'file');
  out.push({ step: 'CREATE', type: file.attributes?.type, mode: file.attributes?.mode, size: file.attributes?.size });
  out.push({ step: 'CREATE again', ...(await nfs.create(dir.handle, 'a.bin', 0o640, 'file').then(() => ({}), statusOf)) });
  const written = await nfs.write(file.handle, 0, WRITTEN, Stable.UNSTABLE, 'file');
  const committed = await nfs.commit(file.handle, 'file');
  out.push({ step: 'WRITE+COMMIT', count: written.count, sameVerifier: written.verifier === committed });
  const into = new Uint8Array(100);
  const read = await nfs.read(file.handle, 0, 100, into, 0, 'file');
  out.push({ step: 'READ', count: read.count, eof: read.eof, text: new TextDecoder().decode(into.subarray(0, read.count)) });
  const granted = await nfs.access(dir.handle, Access.LOOKUP | Access.MODIFY | Access.EXTEND | Access.DELETE, 'dir');
  out.push({ step: 'ACCESS', granted });
  await nfs.setMode(file.handle, 0o600, 'file');
  out.push({ step: 'SETATTR', mode: (await nfs.getattr(file.handle, 'file')).mode & 0o7777 });
  await nfs.rename(dir.handle, 'a.bin', dir.handle, 'b.bin', 'file');
  out.push({ step: 'RENAME' });
  const page = await nfs.readdirplus(dir.handle, 0n, new Uint8Array(8), { dirBytes: 8192, maxBytes: 32768 }, 'dir');
  out.push({ step: 'READDIRPLUS', names: page.entries.map((e) => e.name).sort(), eof: page.eof });
  await nfs.remove(dir.handle, 'b.bin', 'file');
  out.push({ step: 'REMOVE' });
  out.push({ step: 'REMOVE again', ...(await nfs.remove(dir.handle, 'b.bin', 'file').then(() => ({}), statusOf)) });
  await nfs.rmdir(root, dirName, 'dir');
  out.push({ step: 'RMDIR' });
  await unmount(clients.mount, exportPath);
  out.push({ step: 'UMNT' });
  return out;
}
