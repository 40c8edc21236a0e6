import { readFileSync } from 'node:fs';
import { DriverRegistry, isDriverPlugin } from '@volback/core';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';

describe('s3 driver plugin', () => {
  it('is branded and matches the package manifest', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      volback: { id: string; schemes: string[]; kind: string; entry: string };
    };
    expect(isDriverPlugin(plugin)).toBe(true);
    expect(plugin.id).toBe(pkg.volback.id);
    expect(plugin.schemes).toEqual(pkg.volback.schemes);
    expect(pkg.volback.entry).toBe('./dist/index.js');
  });

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
