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
