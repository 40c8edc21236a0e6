import { randomBytes } from 'node:crypto';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { ObjectStore } from '@volback/core/driver';
import { SeededRandom } from '@volback/core/testing';
import { describeWithTestServer, type TestServerSpec } from '@volback/conformance';
import { describe, it } from 'vitest';
import plugin, { createS3Client, createS3Store, type S3ConfigInput } from '../src/index.js';

/** One S3 test server, as its `tooling/servers/<script>.sh start` describes it in env vars. */
export interface S3TestServer {
  /** Short label for test names. */
  label: 'swift' | 's3rver';
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Swift checks SigV4 secrets and Content-MD5; s3rver does neither. */
  faithful: boolean;
}

interface ServerSpec extends TestServerSpec {
  readonly label: S3TestServer['label'];
  readonly faithful: boolean;
}

const REQUIRED = ['ENDPOINT', 'ACCESS_KEY', 'SECRET_KEY'] as const;
const SPECS: readonly ServerSpec[] = [
  { label: 'swift', envPrefix: 'VOLBACK_TEST_S3_SWIFT', required: REQUIRED, script: 'swift-s3.sh', faithful: true },
  { label: 's3rver', envPrefix: 'VOLBACK_TEST_S3RVER', required: REQUIRED, script: 's3rver.sh', faithful: false },
];

/**
 * Registers `body` once per S3 test server; a server that is not running fails the run under
 * `CI=true` and is skipped otherwise. `only` limits the servers (e.g. signature checks exist on
 * Swift only).
 */
export function describeEachS3Server(title: string, body: (server: S3TestServer) => void, only?: readonly S3TestServer['label'][]): void {
  for (const spec of SPECS) {
    if (only !== undefined && !only.includes(spec.label)) continue;
    describeWithTestServer({ describe, it }, title, spec, (env) =>
      body({
        label: spec.label,
        endpoint: env['ENDPOINT']!,
        accessKeyId: env['ACCESS_KEY']!,
        secretAccessKey: env['SECRET_KEY']!,
        region: env['REGION'] ?? 'us-east-1',
        faithful: spec.faithful,
      }),
    );
  }
}

/** A fresh bucket name, so tests never see each other's objects. */
export function uniqueBucket(tag = 't'): string {
  return `vb-${tag}-${randomBytes(6).toString('hex')}`;
}

/** Config for `server` with a fresh bucket that the store may create. */
export function configFor(server: S3TestServer, extra: Partial<S3ConfigInput> = {}): S3ConfigInput {
  return {
    bucket: uniqueBucket(),
    endpoint: server.endpoint,
    region: server.region,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    forcePathStyle: true,
    createBucket: true,
    maxAttempts: 1,
    ...extra,
  };
}

/** A store under test, with its bucket and the SDK client it sends with (for a test's middleware). */
export interface TestStore {
  store: ObjectStore;
  bucket: string;
  client: S3Client;
}

/** A store on `config`, its client built here so that a test can watch what it sends. */
export function storeOn(config: S3ConfigInput): TestStore {
  const client = createS3Client(plugin.parseConfig(config));
  return { store: createS3Store(config, { client }), bucket: config.bucket, client };
}

/** A store on a fresh bucket that already exists. */
export async function freshStore(server: S3TestServer, extra: Partial<S3ConfigInput> = {}): Promise<TestStore> {
  const opened = storeOn(configFor(server, extra));
  await opened.store.ensureContainer(opened.bucket);
  return opened;
}

/** Deterministic bytes of a seed. */
export function seededBytes(size: number, seed = 1): Uint8Array {
  return new SeededRandom(seed).bytes(size);
}

/** Cinder-shaped object names for one backup. */
export function cinderNames(backupId = '8f5a3c1e-2b4d-4e6f-9a0b-1c2d3e4f5a6b'): {
  prefix: string;
  data: string;
  metadata: string;
  sha: string;
} {
  const prefix = `volume_0d3f8a2c-6b1e-4c7d-8e9f-a0b1c2d3e4f5/20240501120000/az_nova_backup_${backupId}`;
  return { prefix, data: `${prefix}-00001`, metadata: `${prefix}_metadata`, sha: `${prefix}_sha256file` };
}

/**
 * Watches a client: the number of keys each ListObjectsV2 call returned, in order.
 * Clear it (`length = 0`) to start counting afresh.
 */
export function watchListings(client: S3Client): number[] {
  const keysPerCall: number[] = [];
  const send = client.send.bind(client) as (command: unknown, options?: unknown) => Promise<{ Contents?: unknown[] }>;
  (client as unknown as { send: typeof send }).send = async (command, options) => {
    const out = await send(command, options);
    if (command instanceof ListObjectsV2Command) keysPerCall.push(out.Contents?.length ?? 0);
    return out;
  };
  return keysPerCall;
}
