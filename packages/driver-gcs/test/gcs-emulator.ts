import { randomBytes } from 'node:crypto';
import { Storage } from '@google-cloud/storage';
import { describeWithTestServer } from '@volback/conformance';
import { describe, it } from 'vitest';
import type { GcsConfigInput } from '../src/index.js';

/** The emulator, as `tooling/servers/gcs-emulator.sh start` describes it in env vars. */
export interface GcsTestServer {
  endpoint: string;
  projectId: string;
}

/** Registers `body` when the emulator runs; under `CI=true` a missing one fails the run, else it is skipped. */
export function describeWithEmulator(title: string, body: (server: GcsTestServer) => void): void {
  describeWithTestServer(
    { describe, it },
    title,
    { label: 'firebase emulator', envPrefix: 'VOLBACK_TEST_GCS', required: ['ENDPOINT', 'PROJECT_ID'], script: 'gcs-emulator.sh' },
    (env) => body({ endpoint: env['ENDPOINT']!, projectId: env['PROJECT_ID']! }),
  );
}

/** A fresh bucket name, so tests never see each other's objects (the emulator makes buckets on first use). */
export function uniqueBucket(tag = 't'): string {
  return `vb-${tag}-${randomBytes(6).toString('hex')}`;
}

/** Config for the emulator with a fresh bucket. */
export function configFor(server: GcsTestServer, extra: Partial<GcsConfigInput> = {}): GcsConfigInput {
  return { bucket: uniqueBucket(), endpoint: server.endpoint, projectId: server.projectId, maxRetries: 0, ...extra };
}

/** A plain SDK client on the emulator, for a test's look behind the store. */
export function rawStorage(server: GcsTestServer): Storage {
  return new Storage({ apiEndpoint: server.endpoint, projectId: server.projectId, retryOptions: { autoRetry: false } });
}
