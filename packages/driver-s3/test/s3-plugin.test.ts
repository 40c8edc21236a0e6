import { spawnSync } from 'node:child_process';
import { DriverRegistry } from '@volback/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePluginPackageChecks } from '@volback/conformance';
import plugin from '../src/index.js';

describe('s3 driver plugin', () => {
  it('turns an s3: target into a store, as a host resolves it', async () => {
    const registry = new DriverRegistry();
    registry.register(plugin);
    const resolved = await registry.resolveTarget(
      's3://volumebackups/pre?endpoint=http://127.0.0.1:9&forcePathStyle=true&accessKeyId=a&secretAccessKey=b',
      { discover: false },
    );
    expect(resolved.config).toMatchObject({ bucket: 'volumebackups', keyPrefix: 'pre', forcePathStyle: true, region: 'us-east-1' });
    if (resolved.kind !== 'store') throw new Error('expected a store');
    expect(resolved.store.driverId).toBe('s3');
    expect(resolved.store.containerFor('any-id', null)).toBe('volumebackups');
    await resolved.store.close?.();
  });
});

// The package as hosts meet it: manifest, built entry, config schema.
definePluginPackageChecks({ describe, it, expect, beforeAll, afterAll }, new URL('..', import.meta.url));

describe('on Node 20', () => {
  it("prints no notice about SDK releases the driver does not use, in a fresh process's stderr", () => {
    const entry = new URL('../dist/index.js', import.meta.url).href;
    const script = `const m = await import(${JSON.stringify(entry)}); m.createS3Client(m.default.parseConfig({ bucket: 'volumebackups', endpoint: 'http://127.0.0.1:9', accessKeyId: 'a', secretAccessKey: 'b' }));`;
    const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _, ...env } = process.env;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env, timeout: 30_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/NodeVersionSupportWarning|will require node/);
  });
});
