import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastFragmentHeader, RecordDecoder } from '../src/rpc/record-marking.js';
import { describeWithGanesha } from './ganesha-server.js';
import { CONVERSATION_CLIENT, conversationClients, runConversation, type StepOutcome } from './nfs3-conversation.js';
import { getPort, RpcClient } from '../src/index.js';

/** Records of one conversation with ganesha, in order, as captured by the test below (hex). */
interface Capture {
  readonly server: string;
  readonly exportPath: string;
  readonly dirName: string;
  readonly records: { port: 'mount' | 'nfs'; direction: 'call' | 'reply'; hex: string }[];
  readonly outcome: StepOutcome[];
}

const FIXTURE = join(import.meta.dirname, 'fixtures', 'ganesha-nfs3-conversation.json');
const DIR_NAME = 'volback-fixture-dir';

/**
 * A server that plays back one side of a captured conversation: each call received must be
 * byte for byte the captured one, and gets the captured reply. `mismatches` collects the calls
 * that differed.
 */
function replayServer(records: Capture['records'], port: 'mount' | 'nfs', mismatches: string[]): Promise<Server> {
  const mine = records.filter((r) => r.port === port);
  const server = createServer((socket) => {
    let next = 0;
    const decoder = new RecordDecoder((record) => {
      const call = mine[next];
      const reply = mine[next + 1];
      next += 2;
      const hex = Buffer.from(record).toString('hex');
      if (call?.direction !== 'call' || !reply) {
        mismatches.push(`${port}: unexpected call ${hex}`);
        socket.destroy();
        return;
      }
      if (hex !== call.hex) mismatches.push(`${port} call ${next / 2}: sent ${hex}, captured ${call.hex}`);
      const bytes = Buffer.from(reply.hex, 'hex');
      socket.write(Buffer.concat([lastFragmentHeader(bytes.length), bytes]));
    }, 1 << 24);
    socket.on('data', (chunk) => decoder.push(chunk));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('the NFSv3 conversation captured from ganesha', () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const s of servers) s.close();
  });

  it('asks a real rpcbind for ports (GETPORT, replayed): a registered program, and 0 for one that is not', async () => {
    const capture = JSON.parse(await readFile(join(import.meta.dirname, 'fixtures', 'rpcbind-getport.json'), 'utf8')) as {
      records: { direction: 'call' | 'reply'; hex: string }[];
    };
    const mismatches: string[] = [];
    const portmapper = await replayServer(
      capture.records.map((r) => ({ ...r, port: 'mount' as const })),
      'mount',
      mismatches,
    );
    servers.push(portmapper);
    const client = new RpcClient({
      host: '127.0.0.1',
      port: (portmapper.address() as AddressInfo).port,
      identity: CONVERSATION_CLIENT.identity,
      stamp: CONVERSATION_CLIENT.stamp,
      xidBase: 0x3000,
      timeoutMs: 2000,
      connectTimeoutMs: 2000,
    });
    expect(await getPort(client, 100_000, 2)).toBe(111);
    expect(await getPort(client, 100_003, 3)).toBe(0);
    await client.close();
    expect(mismatches).toEqual([]);
  });

  it('replays byte for byte: every call encodes as captured, every reply decodes to what the real server meant', async () => {
    const capture = JSON.parse(await readFile(FIXTURE, 'utf8')) as Capture;
    const mismatches: string[] = [];
    const mountServer = await replayServer(capture.records, 'mount', mismatches);
    const nfsServer = await replayServer(capture.records, 'nfs', mismatches);
    servers.push(mountServer, nfsServer);
    const clients = conversationClients('127.0.0.1', {
      mount: (mountServer.address() as AddressInfo).port,
      nfs: (nfsServer.address() as AddressInfo).port,
    });
    const outcome = await runConversation(clients, capture.exportPath, capture.dirName);
    await clients.mount.close();
    await clients.nfs.close();
    expect(mismatches).toEqual([]);
    expect(outcome).toEqual(capture.outcome);
    // What ganesha answered, read by hand from the RFC: not only "the same as last time".
    const step = (name: string) => outcome.find((o) => o['step'] === name);
    expect(step('LOOKUP missing')).toMatchObject({ status: 'NFS3ERR_NOENT', code: 'ENOENT' });
    expect(step('MKDIR')).toMatchObject({ type: 2, mode: 0o750 });
    expect(step('CREATE')).toMatchObject({ type: 1, mode: 0o640, size: 0 });
    expect(step('CREATE again')).toMatchObject({ status: 'NFS3ERR_EXIST', code: 'EEXIST' });
    expect(step('WRITE+COMMIT')).toMatchObject({ count: 20, sameVerifier: true });
    expect(step('READ')).toMatchObject({ count: 20, eof: true, text: 'volback nfs fixture\n' });
    expect(step('ACCESS')).toMatchObject({ granted: 0x1e });
    expect(step('SETATTR')).toMatchObject({ mode: 0o600 });
    expect(step('READDIRPLUS')).toMatchObject({ names: ['.', '..', 'b.bin'], eof: true });
    expect(step('REMOVE again')).toMatchObject({ status: 'NFS3ERR_NOENT', code: 'ENOENT' });
  });
});

// Run with VOLBACK_CAPTURE_NFS_FIXTURES=1 (and ganesha running) to capture the fixture afresh.
if (process.env['VOLBACK_CAPTURE_NFS_FIXTURES'] === '1') {
  describeWithGanesha('capture the conversation fixture', (server) => {
    it('records every call and reply of the conversation', async () => {
      const records: Capture['records'] = [];
      const clients = conversationClients(server.host, { mount: server.mountPort, nfs: server.nfsPort }, (port) => (direction, record) => {
        records.push({ port, direction, hex: Buffer.from(record).toString('hex') });
      });
      const outcome = await runConversation(clients, server.exportPath, DIR_NAME);
      await clients.mount.close();
      await clients.nfs.close();
      const capture: Capture = { server: 'nfs-ganesha 4.3 (FSAL VFS)', exportPath: server.exportPath, dirName: DIR_NAME, records, outcome };
      await writeFile(FIXTURE, `${JSON.stringify(capture, null, 1)}\n`);
    });
  });
}
