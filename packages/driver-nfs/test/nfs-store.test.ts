import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { storeErrors } from '@volback/core/driver';
import { SeededRandom } from '@volback/core/testing';
import { afterAll, expect, it } from 'vitest';
import { createNfsStore, mount, Nfs3Client, NfsSession, nfsDriverPlugin, nfsStore, RpcClient, sessionOptionsOf } from '../src/index.js';
import { readInto, writeDurably } from '../src/nfs3/file-io.js';
import { configFor, describeWithGanesha, type GaneshaServer, uniqueRoot } from './ganesha-server.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const CONTAINER = 'ab/cd/abcd0000-1111-2222-3333-444455556666';

/** A backup root below the export that exists, and a store on it. */
async function freshStore(server: GaneshaServer, extra = {}) {
  const path = uniqueRoot('store');
  await mkdir(join(server.exportDir, path), { recursive: true });
  return { path, local: join(server.exportDir, path), store: createNfsStore(configFor(server, path, extra)) };
}

describeWithGanesha('nfs store on ganesha', (server) => {
  const roots: string[] = [];
  afterAll(async () => {
    for (const r of roots) await rm(r, { recursive: true, force: true });
  });
  /** RPC clients of the procedures themselves on a fresh directory below the export, mounted: for tests that inject faults between them. */
  const rawClients = async (tag: string) => {
    const path = uniqueRoot(tag);
    const local = join(server.exportDir, path);
    roots.push(local);
    await mkdir(local);
    const options = sessionOptionsOf(nfsDriverPlugin.parseConfig(configFor(server, path)));
    const mountRpc = new RpcClient({ ...options, port: server.mountPort });
    const rpc = new RpcClient({ ...options, port: server.nfsPort });
    const { handle: root } = await mount(mountRpc, `${server.exportPath}/${path}`);
    const close = async () => {
      await rpc.close();
      await mountRpc.close();
    };
    return { local, rpc, root, close };
  };
  const url = (path: string) => `nfs://${server.host}${server.exportPath}/${path}?nfsport=${server.nfsPort}&mountport=${server.mountPort}`;

  it('writes what libnfs reads back byte for byte, files 0660 and directories 0770 as Cinder makes them', async () => {
    const { path, local, store } = await freshStore(server);
    roots.push(local);
    const data = new SeededRandom(5).bytes(3 * MiB + 123);
    await store.ensureContainer(CONTAINER);
    await store.putObject(CONTAINER, 'volume_x_00001', data);
    await store.close?.();
    const listed = await run('nfs-ls', ['-R', url(path)]);
    expect(listed.stdout).toContain('volume_x_00001');
    expect(listed.stdout).not.toContain('.volback-tmp-');
    const cat = await run('nfs-cat', [url(`${path}/${CONTAINER}/volume_x_00001`)], { encoding: 'buffer', maxBuffer: 16 * MiB });
    expect(Buffer.compare(cat.stdout, Buffer.from(data))).toBe(0);
    expect((await stat(join(local, CONTAINER, 'volume_x_00001'))).mode & 0o777).toBe(0o660);
    expect((await stat(join(local, CONTAINER))).mode & 0o777).toBe(0o770);
  });

  it('reads what libnfs wrote', async () => {
    const { path, local, store } = await freshStore(server);
    roots.push(local);
    await mkdir(join(local, CONTAINER), { recursive: true });
    const source = join(local, 'source.bin');
    const data = new SeededRandom(6).bytes(2 * MiB + 1);
    await import('node:fs/promises').then((fs) => fs.writeFile(source, data));
    await run('nfs-cp', [source, url(`${path}/${CONTAINER}/volume_y_00001`)]);
    expect(Buffer.compare(Buffer.from(await store.getObject(CONTAINER, 'volume_y_00001')), Buffer.from(data))).toBe(0);
    await store.close?.();
  });

  it('keeps several READs and WRITEs of one object in flight', async () => {
    const path = uniqueRoot('pipeline');
    const local = join(server.exportDir, path);
    roots.push(local);
    await mkdir(local, { recursive: true });
    const config = nfsDriverPlugin.parseConfig(configFor(server, path, { ioSize: 256 * 1024, requestsInFlight: 4 }));
    let outstanding = 0;
    let most = 0;
    const session = new NfsSession(
      {
        ...sessionOptionsOf(config),
        tap: (direction) => {
          outstanding += direction === 'call' ? 1 : -1;
          most = Math.max(most, outstanding);
        },
      },
      storeErrors('nfs'),
    );
    const store = nfsStore(config, session);
    const data = new SeededRandom(7).bytes(4 * MiB);
    await store.ensureContainer(CONTAINER);
    await store.putObject(CONTAINER, 'volume_z_00001', data);
    expect(most).toBe(4);
    most = 0;
    const back = await store.getObject(CONTAINER, 'volume_z_00001');
    expect(most).toBe(4);
    expect(Buffer.compare(Buffer.from(back), Buffer.from(data))).toBe(0);
    await store.close?.();
  });

  it('mounts a directory below the export, and finds its way from the export when the server will not mount it', async () => {
    const path = uniqueRoot('below');
    const local = join(server.exportDir, path);
    roots.push(local);
    await mkdir(join(local, 'sub'), { recursive: true });
    // Mounted directly (ganesha mounts any directory of an export).
    const direct = createNfsStore({ ...configFor(server, ''), export: `${server.exportPath}/${path}/sub` });
    await direct.checkForSetupError();
    await direct.ensureContainer('c1');
    await direct.putObject('c1', 'o', new Uint8Array([1, 2, 3]));
    await direct.close?.();
    expect([...(await readFile(join(local, 'sub', 'c1', 'o')))]).toEqual([1, 2, 3]);
    // A path the server cannot mount yet: the export is mounted and the rest created from there.
    const below = createNfsStore({ ...configFor(server, ''), export: `${server.exportPath}/${path}/new/deeper` });
    await expect(below.checkForSetupError()).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await below.ensureContainer('c2');
    await below.putObject('c2', 'o', new Uint8Array([4]));
    await below.close?.();
    expect([...(await readFile(join(local, 'new', 'deeper', 'c2', 'o')))]).toEqual([4]);
  });

  it('looks a path up again from the mount root when a cached handle went stale', async () => {
    const { path, local, store } = await freshStore(server);
    roots.push(local);
    await store.ensureContainer(CONTAINER);
    await store.putObject(CONTAINER, 'first', new Uint8Array([1]));
    // Another NFS client replaces the container's directory: the store's cached handle of it is stale now.
    const other = new NfsSession(sessionOptionsOf(nfsDriverPlugin.parseConfig(configFor(server, path))), storeErrors('nfs'));
    await other.run([], async (m) => {
      const parent = await other.directory(m, `/${path}/ab/cd`);
      const dir = await other.directory(m, `/${path}/${CONTAINER}`);
      await m.nfs.remove(dir, 'first', 'first');
      await m.nfs.rmdir(parent, CONTAINER.split('/')[2]!, 'container');
      await m.nfs.mkdir(parent, CONTAINER.split('/')[2]!, 0o770, 'container');
    });
    await other.close();
    await store.putObject(CONTAINER, 'second', new Uint8Array([2]));
    expect([...(await readFile(join(local, CONTAINER, 'second')))]).toEqual([2]);
    expect(await store.listObjects(CONTAINER, '')).toEqual(['second']);
    await store.close?.();
  });

  it('fails with typed errors: a refused mount E_AUTH, nothing listening a transient E_BACKEND, no portmapper E_BACKEND naming it', async () => {
    const refused = createNfsStore({ ...configFor(server, ''), export: '/no-such-export' });
    await expect(refused.checkForSetupError()).rejects.toMatchObject({ code: 'E_AUTH', message: expect.stringMatching(/MNT3ERR_ACCES/) });
    const closed = createNfsStore({ ...configFor(server, ''), nfsport: 1, mountport: 1 });
    await expect(closed.checkForSetupError()).rejects.toMatchObject({ code: 'E_BACKEND', transient: true });
    await expect(closed.getObject(CONTAINER, 'x')).rejects.toMatchObject({ code: 'E_BACKEND', transient: true });
    // rpcbind ran only while ganesha started: asking it for a port fails, and says how to do without.
    const { nfsport: _n, mountport: _m, ...noPorts } = configFor(server, '');
    const portmapper = createNfsStore({ ...noPorts, portmapperPort: 1 });
    await expect(portmapper.checkForSetupError()).rejects.toMatchObject({
      code: 'E_BACKEND',
      message: expect.stringMatching(/portmapper.*give mountport/),
    });
  });

  it('reports a directory this uid may not write as permission denied (NFS3ERR_ACCES), a setup check as E_CONFIG', async () => {
    const { local } = await freshStore(server);
    roots.push(local);
    await mkdir(join(local, 'locked', CONTAINER), { recursive: true });
    await chmod(join(local, 'locked'), 0o755);
    const path = local.slice(server.exportDir.length + 1);
    const nobody = createNfsStore(configFor(server, `${path}/locked`, { uid: 65534, gid: 65534 }));
    await expect(nobody.checkForSetupError()).rejects.toMatchObject({ code: 'E_CONFIG' });
    const err = await nobody.putObject(CONTAINER, 'o', new Uint8Array([1])).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_BACKEND', transient: false });
    expect((err as Error).message).toMatch(/NFS3ERR_ACCES/);
    await nobody.close?.();
  });

  it('writes a file again when COMMIT answers with another verifier than its WRITEs had (a server restart)', async () => {
    const { local, rpc, root, close } = await rawClients('verifier');
    let writes = 0;
    let commits = 0;
    // The fault: the first COMMIT reports a changed verifier, as after a reboot.
    class RebootingServer extends Nfs3Client {
      override async write(...args: Parameters<Nfs3Client['write']>) {
        writes++;
        return super.write(...args);
      }
      override async commit(...args: Parameters<Nfs3Client['commit']>) {
        const verifier = await super.commit(...args);
        return commits++ === 0 ? verifier + 1n : verifier;
      }
    }
    const nfs = new RebootingServer(rpc);
    const file = await nfs.create(root, 'f', 0o600, 'f');
    const data = new SeededRandom(8).bytes(3 * MiB);
    await writeDurably(nfs, file.handle, data, { ioSize: MiB, inFlight: 2 }, 'f');
    expect([writes, commits]).toEqual([6, 2]);
    expect(Buffer.compare(await readFile(join(local, 'f')), Buffer.from(data))).toBe(0);
    await close();
  });
  /** A store on a fresh directory of the export, with its session: for faults put into the session's client. */
  async function storeWithSession(tag: string) {
    const path = uniqueRoot(tag);
    const local = join(server.exportDir, path);
    roots.push(local);
    await mkdir(local);
    const config = nfsDriverPlugin.parseConfig(configFor(server, path));
    const session = new NfsSession(sessionOptionsOf(config), storeErrors('nfs'));
    const store = nfsStore(config, session);
    await store.ensureContainer(CONTAINER);
    return { session, store };
  }
  it('fails the flush of objects written in the background when COMMIT answers with a new verifier (data maybe lost)', async () => {
    const { session, store } = await storeWithSession('flush');
    await store.putObject(CONTAINER, 'kept', new Uint8Array([1]), { flushLater: true });
    await store.flush?.(CONTAINER);
    // The fault: from now on COMMIT reports another verifier than the WRITEs had, as after a reboot.
    const { nfs } = await session.ready();
    const commit = nfs.commit.bind(nfs);
    nfs.commit = async (...args) => (await commit(...args)) + 1n;
    await store.putObject(CONTAINER, 'maybe-lost', new Uint8Array([2]), { flushLater: true });
    const err = await store.flush?.(CONTAINER).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_BACKEND', message: expect.stringMatching(/restarted before the data was committed/) });
    await store.close?.();
  });
  it('fails a listing whose server hands back cookies it gave before, instead of listing forever', async () => {
    const { session, store } = await storeWithSession('cycle');
    await store.putObject(CONTAINER, 'one', new Uint8Array([1]));
    // The fault: every page is the first one again, never the end.
    const { nfs } = await session.ready();
    const readdirplus = nfs.readdirplus.bind(nfs);
    nfs.readdirplus = async (dir, _cookie, verifier, sizes, what) => ({
      ...(await readdirplus(dir, 0n, verifier, sizes, what)),
      eof: false,
    });
    const err = await store.listObjects(CONTAINER, '').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_BACKEND', message: expect.stringMatching(/returned cookie \d+ twice/) });
    await store.close?.();
  });
  it('writes the rest when the server takes part of a WRITE, and reads a file that is shorter than expected', async () => {
    const { local, rpc, root, close } = await rawClients('partial');
    let writes = 0;
    // The fault: each WRITE is given only its first half, as a server may accept less than asked.
    class HalfWrites extends Nfs3Client {
      override async write(handle: Uint8Array, offset: number, data: Uint8Array, stable: number, what: string) {
        writes++;
        return super.write(handle, offset, data.length > 1 ? data.subarray(0, Math.ceil(data.length / 2)) : data, stable, what);
      }
    }
    const nfs = new HalfWrites(rpc);
    const file = await nfs.create(root, 'f', 0o600, 'f');
    const data = new SeededRandom(9).bytes(MiB + 3);
    await writeDurably(nfs, file.handle, data, { ioSize: 256 * 1024, inFlight: 3 }, 'f');
    expect(writes).toBeGreaterThan(8);
    expect(Buffer.compare(await readFile(join(local, 'f')), Buffer.from(data))).toBe(0);
    // A buffer larger than the file (it shrank since its size was read): the bytes that are there.
    const back = await readInto(nfs, file.handle, new Uint8Array(MiB + 3 + 5000), { ioSize: 256 * 1024, inFlight: 3 }, 'f');
    expect(back.length).toBe(MiB + 3);
    expect(Buffer.compare(Buffer.from(back), Buffer.from(data))).toBe(0);
    await close();
  });
});
