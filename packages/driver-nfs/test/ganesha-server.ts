import { randomBytes } from 'node:crypto';
import { describeWithTestServer, type TestServerSpec } from '@volback/conformance';
import { describe, it } from 'vitest';
import type { NfsConfigInput } from '../src/index.js';

/** The ganesha test server, as `tooling/servers/ganesha.sh start` describes it in env vars. */
export interface GaneshaServer {
  host: string;
  nfsPort: number;
  mountPort: number;
  /** The path clients mount (`/export`). */
  exportPath: string;
  /** The local directory ganesha exports: the tests' backdoor. */
  exportDir: string;
  /** The servers directory, for `ganesha.sh restart`. */
  serversDir: string | undefined;
}

export const GANESHA: TestServerSpec = {
  label: 'ganesha',
  envPrefix: 'VOLBACK_TEST_NFS',
  required: ['HOST', 'NFS_PORT', 'MOUNT_PORT', 'EXPORT', 'EXPORT_DIR'],
  script: 'ganesha.sh',
};

/** Registers `body` when the ganesha test server runs; under `CI=true` a missing server fails. */
export function describeWithGanesha(title: string, body: (server: GaneshaServer) => void): void {
  describeWithTestServer({ describe, it }, title, GANESHA, (env) =>
    body({
      host: env['HOST']!,
      nfsPort: Number(env['NFS_PORT']),
      mountPort: Number(env['MOUNT_PORT']),
      exportPath: env['EXPORT']!,
      exportDir: env['EXPORT_DIR']!,
      serversDir: env['SERVERS_DIR'],
    }),
  );
}

/** A fresh directory name below the export, so tests never see each other's files. */
export function uniqueRoot(tag = 't'): string {
  return `vb-${tag}-${randomBytes(6).toString('hex')}`;
}

/** Config for the server with ports given (no portmapper), and the backup root `path` below the export. */
export function configFor(server: GaneshaServer, path: string, extra: Partial<NfsConfigInput> = {}): NfsConfigInput {
  return { host: server.host, export: server.exportPath, path, nfsport: server.nfsPort, mountport: server.mountPort, ...extra };
}
