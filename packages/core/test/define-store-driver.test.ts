import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../src/memory-object-store.js';
import { defineStoreDriver, z } from '../src/driver.js';
import { DriverRegistry } from '../src/plugins/registry.js';
import { redactTarget } from '../src/plugins/redact.js';

/** A driver with every kind of field a real one declares. */
const plugin = defineStoreDriver({
  id: 'demo',
  schemes: ['demo'],
  config: z
    .strictObject({
      bucket: z.string().min(2).describe('Bucket'),
      keyPrefix: z.string().optional().describe('Key prefix'),
      user: z.string().optional(),
      password: z.string().optional().meta({ secret: true, description: 'Password' }),
      port: z.number().int().min(1).max(65535).default(443),
      parts: z.number().int().min(1).max(64).default(4),
      verify: z.boolean().default(true),
      mode: z
        .union([
          z.number().int(),
          z
            .string()
            .regex(/^0[0-7]{3}$/)
            .transform((v) => parseInt(v, 8)),
        ])
        .optional(),
    })
    .superRefine((c, ctx) => {
      if (c.password !== undefined && c.user === undefined)
        ctx.addIssue({ code: 'custom', path: ['user'], message: 'password needs user' });
    }),
  url: { host: 'bucket', path: { field: 'keyPrefix', as: 'key' }, username: 'user', password: 'password', port: 'port' },
  createStore: () => new MemoryObjectStore(),
});

describe('defineStoreDriver', () => {
  it('validates once, applies defaults and gives the typed config', () => {
    expect(plugin.parseConfig({ bucket: 'bk' })).toEqual({ bucket: 'bk', port: 443, parts: 4, verify: true });
  });

  it('names the field at fault, and an unknown field as unknown', () => {
    expect(() => plugin.parseConfig({ bucket: 'bk', parts: 65 })).toThrow(
      expect.objectContaining({ code: 'E_CONFIG', field: 'parts', message: expect.stringMatching(/^demo: parts: /) }),
    );
    expect(() => plugin.parseConfig({ bucket: 'bk', prts: 5 })).toThrow(
      expect.objectContaining({ field: 'prts', message: 'demo: unknown config field "prts"' }),
    );
    expect(() => plugin.parseConfig({ bucket: 'bk', password: 'p' })).toThrow(
      expect.objectContaining({ field: 'user', message: 'demo: user: password needs user' }),
    );
    expect(() => plugin.parseConfig('bk')).toThrow(
      expect.objectContaining({ code: 'E_CONFIG', message: 'demo: config must be an object' }),
    );
  });

  it('publishes a JSON Schema with the secrets marked', () => {
    const schema = plugin.configSchema as {
      properties: Record<string, Record<string, unknown>>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['bucket']);
    expect(schema.properties.password).toMatchObject({ type: 'string', secret: true });
    expect(schema.properties.parts).toMatchObject({ type: 'integer', default: 4, minimum: 1, maximum: 64 });
    expect(redactTarget('demo://bk?password=hunter22&parts=2', plugin.configSchema)).toBe('demo://bk?password=***&parts=2');
  });

  it('maps a target URL by the declared parts, coercing query text to the field types', () => {
    const raw = plugin.configFromUrl?.(new URL('demo://al%20ice:s3cr%3At@my-bucket:8443/team/a/?parts=8&verify=false&mode=0640'));
    expect(raw).toEqual({
      bucket: 'my-bucket',
      port: 8443,
      user: 'al ice',
      password: 's3cr:t',
      keyPrefix: 'team/a',
      parts: 8,
      verify: false,
      mode: '0640',
    });
  });

  it('refuses a field given twice and URL parts the driver does not map', () => {
    expect(() => plugin.configFromUrl?.(new URL('demo://bk/p?keyPrefix=q'))).toThrow(
      expect.objectContaining({ code: 'E_CONFIG', field: 'keyPrefix' }),
    );
    const noCredentials = defineStoreDriver({
      id: 'bare',
      config: z.strictObject({ bucket: z.string() }),
      url: { host: 'bucket' },
      createStore: () => new MemoryObjectStore(),
    });
    expect(() => noCredentials.configFromUrl?.(new URL('bare://u:hunter22@bk'))).toThrow(
      expect.objectContaining({ message: expect.stringContaining('not in the URL') }),
    );
    expect(() => noCredentials.configFromUrl?.(new URL('bare://u:hunter22@bk'))).not.toThrow(
      expect.objectContaining({ message: expect.stringContaining('hunter22') }),
    );
    expect(() => noCredentials.configFromUrl?.(new URL('bare://bk/some/path'))).toThrow(
      expect.objectContaining({ message: expect.stringContaining('path has no meaning') }),
    );
  });

  it('resolves a target to a store through the registry, the port and modes coerced by the schema', async () => {
    const registry = new DriverRegistry();
    registry.register(plugin);
    const resolved = await registry.resolveTarget('demo://bk:8443/x?mode=0640', { discover: false });
    expect(resolved.config).toEqual({ bucket: 'bk', keyPrefix: 'x', port: 8443, parts: 4, verify: true, mode: 0o640 });
    await expect(registry.resolveTarget('demo://bk?parts=many', { discover: false })).rejects.toMatchObject({
      code: 'E_CONFIG',
      field: 'parts',
    });
  });
});
