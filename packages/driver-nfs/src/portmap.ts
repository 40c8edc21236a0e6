import type { RpcClient } from './rpc/rpc-client.js';

/** The portmapper, program 100000 version 2 (RFC 1833 §3), on port 111. */
const PMAP = { program: 100_000, version: 2 } as const;
const PMAPPROC_GETPORT = 3;
const IPPROTO_TCP = 6;

/** The TCP port the portmapper has for `program` `version`; 0 when it is not registered. */
export function getPort(client: RpcClient, program: number, version: number): Promise<number> {
  return client.call(
    { ...PMAP, procedure: PMAPPROC_GETPORT },
    (out) => out.u32(program).u32(version).u32(IPPROTO_TCP).u32(0),
    (reply) => {
      const port = reply.u32();
      reply.end();
      return port;
    },
  );
}
