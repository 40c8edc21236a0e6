import { fileURLToPath } from 'node:url';
import { DriverRegistry } from '@volback/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePluginPackageChecks } from '@volback/conformance';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

// Loads the built package (dist/) the way a host does: discovery by manifest, then import.
describe('volback-driver-memory as a plugin', () => {
  it('serves memory:// targets, one store per name', async () => {
    const registry = new DriverRegistry();
    const a = await registry.resolveTarget('memory://one', { fromDir: packageDir });
    const again = await registry.resolveTarget('memory://one', { fromDir: packageDir });
    const b = await registry.resolveTarget('memory://two', { fromDir: packageDir });
    if (a.kind !== 'store' || again.kind !== 'store' || b.kind !== 'store') throw new Error('expected stores');
    await a.store.ensureContainer('c');
    await a.store.putObject('c', 'x', new Uint8Array([1, 2, 3]));
    expect(await again.store.getObject('c', 'x')).toEqual(new Uint8Array([1, 2, 3]));
    expect(await b.store.listObjects('c', '')).toEqual([]);
  });

  it('rejects an empty name with a config error', async () => {
    const registry = new DriverRegistry();
    await expect(registry.resolveTarget('memory:', { fromDir: packageDir, config: { name: '' } })).rejects.toMatchObject({
      code: 'E_CONFIG',
    });
  });
});

// The package as hosts meet it: manifest, built entry, config schema.
definePluginPackageChecks({ describe, it, expect, beforeAll, afterAll }, new URL('..', import.meta.url));
