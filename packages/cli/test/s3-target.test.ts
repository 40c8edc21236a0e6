import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeVolume, mutateVolume, sha256Hex } from '@volback/core/testing';
import { runCli } from './run-cli.js';

// The S3 driver is not a dependency of the CLI: it is found in the workspace through its manifest.
const endpoint = process.env.VOLBACK_TEST_S3_SWIFT_ENDPOINT;
const missing = 'Swift test server not running: bash tooling/servers/swift-s3.sh start && source .test-servers/swift-s3.env';

describe.skipIf(!endpoint && process.env.CI !== 'true')('volback with an s3:// target (Swift s3api)', () => {
  let dir: string;
  let env: Record<string, string>;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  // The SDK's default credential chain reads the process environment, as it would for a user.
  const useSecret = (secret: string | undefined): void => {
    process.env.AWS_ACCESS_KEY_ID = process.env.VOLBACK_TEST_S3_SWIFT_ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = secret;
  };
  beforeAll(async () => {
    if (!endpoint) throw new Error(missing);
    dir = await mkdtemp(join(tmpdir(), 'volback-cli-s3-'));
    env = { VOLBACK_STATE_DIR: join(dir, 'state') };
    useSecret(process.env.VOLBACK_TEST_S3_SWIFT_SECRET_KEY);
  });
  afterAll(async () => {
    for (const [k, v] of [
      ['AWS_ACCESS_KEY_ID', saved.id],
      ['AWS_SECRET_ACCESS_KEY', saved.secret],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('backs up, backs up incrementally and restores through the CLI', async () => {
    const bucket = `vb-cli-${Date.now().toString(36)}`;
    const store = `s3://${bucket}/team-a?endpoint=${encodeURIComponent(endpoint as string)}&region=us-east-1&forcePathStyle=true&createBucket=true`;
    const image = join(dir, 'disk.img');
    const v1 = makeVolume(2 * 1024 * 1024 + 17, 31);
    await writeFile(image, v1);
    const full = await runCli(['backup', image, '--to', store], env);
    expect(full.code, full.stderr).toBe(0);
    const v2 = mutateVolume(v1, 32);
    await writeFile(image, v2);
    const incr = await runCli(['backup', image, '--to', store, '--incremental'], env);
    expect(incr.code, incr.stderr).toBe(0);
    const list = JSON.parse((await runCli(['list', '--store', store, '--json'], env)).stdout) as { id: string; prefix: string }[];
    expect(list).toHaveLength(2);
    expect(list[0]?.prefix).toMatch(/^volume_[0-9a-f-]{36}\/\d{14}\/az_nova_backup_[0-9a-f-]{36}$/);
    const out = join(dir, 'restored.img');
    const restored = await runCli(['restore', list[1]?.id as string, out, '--from', store], env);
    expect(restored.code, restored.stderr).toBe(0);
    expect(sha256Hex(await readFile(out))).toBe(sha256Hex(v2));
  });

  it('fails with E_AUTH and exit status 8 on a wrong secret key', async () => {
    const store = `s3://vb-cli-auth?endpoint=${encodeURIComponent(endpoint as string)}&region=us-east-1&forcePathStyle=true`;
    useSecret('wrong-secret');
    try {
      const r = await runCli(['list', '--store', store], env);
      expect(r.code).toBe(8);
      expect(r.stderr).toMatch(/E_AUTH: s3: .*(SignatureDoesNotMatch|rejected)/);
    } finally {
      useSecret(process.env.VOLBACK_TEST_S3_SWIFT_SECRET_KEY);
    }
  });
});
