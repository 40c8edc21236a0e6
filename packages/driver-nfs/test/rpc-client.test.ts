import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcClient, RpcError, XdrReader, XdrWriter } from '../src/index.js';
import { lastFragmentHeader, RecordDecoder } from '../src/rpc/record-marking.js';

/** A call as the fake server sees it. */
interface ReceivedCall {
  xid: number;
  procedure: number;
  uid: number;
  gid: number;
  machineName: string;
  argument: number;
}

function parseCall(record: Uint8Array): ReceivedCall {
  const r = new XdrReader(record);
  const xid = r.u32();
  expect([r.u32(), r.u32()]).toEqual([0, 2]); // CALL, RPC version 2
  r.u32(); // program
  r.u32(); // version
  const procedure = r.u32();
  expect(r.u32()).toBe(1); // AUTH_SYS
  const cred = new XdrReader(r.opaque());
  cred.u32(); // stamp
  const machineName = cred.string();
  const uid = cred.u32();
  const gid = cred.u32();
  expect(cred.u32()).toBe(0); // no supplementary groups
  expect([r.u32(), r.opaque().length]).toEqual([0, 0]); // AUTH_NONE verifier
  return { xid, procedure, uid, gid, machineName, argument: r.remaining >= 4 ? r.u32() : -1 };
}

/** An accepted, successful reply to `xid` carrying `value`. */
function successReply(xid: number, value: number): Uint8Array {
  return new XdrWriter().u32(xid).u32(1).u32(0).u32(0).u32(0).u32(0).u32(value).bytes();
}

function send(socket: Socket, record: Uint8Array): void {
  socket.write(Buffer.concat([lastFragmentHeader(record.length), record]));
}

/** A fake RPC server that injects faults: `onCall` decides what each call gets. */
async function fakeServer(
  onCall: (call: ReceivedCall, socket: Socket) => void,
): Promise<{ server: Server; port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    const decoder = new RecordDecoder((record) => onCall(parseCall(record), socket), 1 << 20);
    socket.on('data', (chunk) => decoder.push(chunk));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, connections: () => connections };
}

const identity = { uid: 1234, gid: 5678, machineName: 'test-host' };
const PROC = { program: 400_000, version: 1, procedure: 1 };
const callOf = (client: RpcClient, argument: number, options = {}) =>
  client.call(
    PROC,
    (out) => out.u32(argument),
    (reply) => reply.u32(),
    options,
  );

describe('RpcClient', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  const start = async (onCall: Parameters<typeof fakeServer>[0], timeoutMs = 2000) => {
    const fake = await fakeServer(onCall);
    const client = new RpcClient({ host: '127.0.0.1', port: fake.port, identity, timeoutMs, connectTimeoutMs: 2000 });
    cleanups.push(
      () => client.close(),
      () => void fake.server.close(),
    );
    return { fake, client };
  };

  it('sends AUTH_SYS with the configured uid, gid and machine name', async () => {
    const seen: ReceivedCall[] = [];
    const { client } = await start((call, socket) => {
      seen.push(call);
      send(socket, successReply(call.xid, call.argument + 1));
    });
    expect(await callOf(client, 41)).toBe(42);
    expect(seen[0]).toMatchObject({ uid: 1234, gid: 5678, machineName: 'test-host', procedure: 1 });
  });

  it('keeps many calls in flight on one connection and matches replies arriving in any order by xid', async () => {
    const held: ReceivedCall[] = [];
    let socketOf: Socket | undefined;
    const { client, fake } = await start((call, socket) => {
      socketOf = socket;
      held.push(call);
      // Answer only once all 20 are in, in reverse order.
      if (held.length === 20) for (const c of held.reverse()) send(socket, successReply(c.xid, c.argument * 10));
    });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => callOf(client, i)));
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 10));
    expect(new Set(held.map((c) => c.xid)).size).toBe(20);
    expect(fake.connections()).toBe(1);
    expect(socketOf).toBeDefined();
  });

  it('fails a call without a reply with ETIMEDOUT, and the next call reconnects', async () => {
    const { client, fake } = await start((call, socket) => {
      if (call.argument !== 0) send(socket, successReply(call.xid, 7));
    }, 200);
    await expect(callOf(client, 0)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(await callOf(client, 1)).toBe(7);
    expect(fake.connections()).toBe(2);
  });

  it('fails the calls in flight when the server drops the connection (transient ECONNRESET), then reconnects', async () => {
    const { client, fake } = await start((call, socket) => {
      if (call.argument === 0) socket.destroy();
      else send(socket, successReply(call.xid, 9));
    });
    await expect(callOf(client, 0)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(await callOf(client, 1)).toBe(9);
    expect(fake.connections()).toBe(2);
  });

  it('fails with ECONNREFUSED when nothing listens', async () => {
    const fake = await fakeServer(() => undefined);
    const port = fake.port;
    await new Promise((resolve) => fake.server.close(resolve));
    const client = new RpcClient({ host: '127.0.0.1', port, identity, timeoutMs: 1000, connectTimeoutMs: 1000 });
    await expect(callOf(client, 1)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('turns a refused credential into RpcError EACCES and an unserved program into EPROTO', async () => {
    const { client } = await start((call, socket) => {
      if (call.argument === 0)
        send(socket, new XdrWriter().u32(call.xid).u32(1).u32(1).u32(1).u32(5).bytes()); // MSG_DENIED, AUTH_ERROR, AUTH_TOOWEAK
      else send(socket, new XdrWriter().u32(call.xid).u32(1).u32(0).u32(0).u32(0).u32(1).bytes()); // PROG_UNAVAIL
    });
    const denied = await callOf(client, 0).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(RpcError);
    expect(denied).toMatchObject({ code: 'EACCES', status: 'AUTH_TOOWEAK' });
    await expect(callOf(client, 1)).rejects.toMatchObject({ code: 'EPROTO', status: 'PROG_UNAVAIL' });
  });

  it('gives up waiting when the signal aborts, and ignores the late reply', async () => {
    let late: (() => void) | undefined;
    const { client } = await start((call, socket) => {
      if (call.argument === 0) late = () => send(socket, successReply(call.xid, 1));
      else send(socket, successReply(call.xid, 2));
    });
    const controller = new AbortController();
    const pending = callOf(client, 0, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 20));
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    late?.();
    expect(await callOf(client, 1)).toBe(2);
  });
});
