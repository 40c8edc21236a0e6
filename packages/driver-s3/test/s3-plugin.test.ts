import { readFileSync } from 'node:fs';
import { isDriverPlugin } from '@volback/core';
import { describe, expect, it } from 'vitest';
import plugin, { S3ObjectStore } from '../src/index.js';

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

  it('turns an s3: URL into a store', async () => {
    const raw = plugin.configFromUrl?.(new URL('s3://volumebackups/pre?endpoint=http://127.0.0.1:9&forcePathStyle=true&accessKeyId=a&secretAccessKey=b'));
    const config = plugin.parseConfig(raw);
    expect(config).toMatchObject({ bucket: 'volumebackups', keyPrefix: 'pre', forcePathStyle: true });
    if (plugin.createStore === undefined) throw new Error('expected a store plugin');
    const store = await plugin.createStore(config);
    expect(store).toBeInstanceOf(S3ObjectStore);
    expect(store.driverId).toBe('s3');
    await store.close?.();
  });
});
