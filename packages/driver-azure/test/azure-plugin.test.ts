import { DriverRegistry, redactConfig, redactTarget } from '@volback/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePluginPackageChecks } from '@volback/conformance';
import plugin, { createAzureStore } from '../src/index.js';
import { configFor, describeWithAzurite, freshStore } from './azurite.js';

const SECRET = 'TOPSECRET-azure-5d1e';

/** Everything an error could show: message, stack, and its cause chain as a debugger or a log prints it. */
function shown(err: Error): string {
  let text = `${err.message}\n${err.stack ?? ''}`;
  for (let c: unknown = err.cause; c; c = (c as { cause?: unknown }).cause) text += `\n${String(c)}\n${JSON.stringify(c)}`;
  return text;
}

describe('azure driver plugin', () => {
  it('turns an azure: target into a store, as a host resolves it', async () => {
    const registry = new DriverRegistry();
    registry.register(plugin);
    const resolved = await registry.resolveTarget('azure://acct1/backups/pre?endpoint=http://127.0.0.1:9/acct1&accountKey=a2V5', {
      discover: false,
    });
    expect(resolved.config).toMatchObject({ account: 'acct1', container: 'backups/pre', createContainer: false });
    if (resolved.kind !== 'store') throw new Error('expected a store');
    expect(resolved.store.driverId).toBe('azure');
    expect(resolved.store.keyPrefix).toBe('pre');
    expect(resolved.store.containerFor('any-id', null)).toBe('backups');
    expect(resolved.store.containerFor('any-id', 'theirs')).toBe('theirs');
  });

  it('redacts every secret from a target and a config', () => {
    const target = `azure://acct1/backups?accountKey=${SECRET}1&sasToken=${SECRET}2&connectionString=${SECRET}3`;
    expect(redactTarget(target, plugin.configSchema)).not.toContain(SECRET);
    const config = { container: 'backups', accountKey: `${SECRET}1`, sasToken: `${SECRET}2`, connectionString: `${SECRET}3` };
    expect(JSON.stringify(redactConfig(config, plugin.configSchema))).not.toContain(SECRET);
  });
});

describeWithAzurite('azure secrets in errors', (server) => {
  it('a refused SAS token or key shows nowhere in the error, its causes included', async () => {
    const { container } = await freshStore(server);
    const sig = encodeURIComponent(Buffer.from(SECRET).toString('base64'));
    const sas = `sv=2021-08-06&ss=b&srt=sco&sp=rwdlac&se=2099-01-01T00:00:00Z&sig=${sig}`;
    const base = { ...configFor(server), container, accountKey: undefined };
    const key = Buffer.from(`${SECRET}-${SECRET}-${SECRET}`).toString('base64');
    for (const store of [createAzureStore({ ...base, sasToken: sas }), createAzureStore({ ...base, accountKey: key })]) {
      const err = (await store.putObject(container, 'x', new Uint8Array(3)).catch((e: unknown) => e)) as Error;
      expect((err as { code?: unknown }).code).toBe('E_AUTH');
      const text = shown(err);
      expect(text).not.toContain(sig);
      expect(text).not.toContain(decodeURIComponent(sig));
      expect(text).not.toContain(key);
    }
  });
});

// The package as hosts meet it: manifest, built entry, config schema.
definePluginPackageChecks({ describe, it, expect, beforeAll, afterAll }, new URL('..', import.meta.url));
