import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import {
  defineDriverPlugin,
  DriverRegistry,
  REDACTED,
  redactConfig,
  redactTarget,
  scrubSecrets,
  secretFieldNames,
  secretsOf,
  targetToUrl,
  type DriverConfigSchema,
} from '../src/plugins/index.js';

const SECRET = 'TOPSECRET-k3y';

/** A driver whose secret field has a name no heuristic would catch: only the schema tells. */
interface VaultConfig {
  vault: string;
  clientAssertion?: string;
  endpoint?: string;
}
const schema: DriverConfigSchema<VaultConfig> = {
  type: 'object',
  description: 'test',
  additionalProperties: false,
  required: ['vault'],
  properties: {
    vault: { type: 'string', description: 'where', required: true },
    clientAssertion: { type: 'string', description: 'signed assertion', required: false, secret: true },
    endpoint: { type: 'string', description: 'URL', required: false },
  },
};

describe('secret fields', () => {
  it('are the ones the schema marks', () => {
    expect([...secretFieldNames(schema)]).toEqual(['clientAssertion']);
  });

  it('are redacted from a target: query parameters by schema and by name, user-info passwords, URLs given as values', () => {
    const target = `vault://bucket/p?clientAssertion=${SECRET}&secretAccessKey=${SECRET}2&sessionToken=${SECRET}3&accessKeyId=AKIA&endpoint=${encodeURIComponent(`https://u:${SECRET}4@h:1`)}`;
    const shown = redactTarget(target, schema);
    for (const s of [SECRET, `${SECRET}2`, `${SECRET}3`, `${SECRET}4`]) expect(shown).not.toContain(s);
    expect(shown).toContain(`clientAssertion=${REDACTED}`);
    expect(shown).toContain('accessKeyId=AKIA');
    expect(decodeURIComponent(shown)).toContain(`https://u:${REDACTED}@h:1`);
    expect(redactTarget(`s3://user:${SECRET}@bucket/x`)).toBe(`s3://user:${REDACTED}@bucket/x`);
    // The WHATWG parser reads the password up to the last @: so does the redaction.
    expect(redactTarget(`http://u:pa@ss${SECRET}@host/`)).toBe(`http://u:${REDACTED}@host/`);
  });

  it('are redacted from a target that does not even parse as a URL', () => {
    const target = `s3://bad bucket/p?accessKeyId=x&secretAccessKey=${SECRET}`;
    expect(() => new URL(target)).toThrow();
    expect(redactTarget(target)).toBe(`s3://bad bucket/p?accessKeyId=x&secretAccessKey=${REDACTED}`);
  });

  it('are redacted from a config object, nested URLs included', () => {
    const shown = redactConfig(
      { vault: 'v', clientAssertion: SECRET, endpoint: `http://a:${SECRET}@h`, proxy: `http://p:${SECRET}@h` },
      schema,
    );
    expect(JSON.stringify(shown)).not.toContain(SECRET);
    expect(shown).toMatchObject({ vault: 'v', clientAssertion: REDACTED });
  });

  it('are found in targets and configs, as written and decoded, and scrubbed out of any text', () => {
    const raw = 'p@ss w/rd&=';
    const target = `vault://b?clientAssertion=${encodeURIComponent(raw)}`;
    const secrets = secretsOf(target, schema);
    expect(secrets).toContain(raw);
    const text = `failed with ${raw}, ${encodeURIComponent(raw)}, ${JSON.stringify({ k: raw })} and ${new URLSearchParams({ raw }).toString()}`;
    expect(scrubSecrets(text, secrets)).not.toMatch(/p@ss|p%40ss/);
    expect(secretsOf({ clientAssertion: SECRET, nested: { password: `${SECRET}x` } }, schema)).toEqual([SECRET, `${SECRET}x`]);
  });
});

describe('the plugin registry', () => {
  it('says a target that is not a URL is E_CONFIG, quoting it redacted', () => {
    const err = (() => {
      try {
        return targetToUrl(`s3://bad bucket/p?accessKeyId=x&secretAccessKey=${SECRET}`);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ code: 'E_CONFIG', field: 'target' });
    expect(JSON.stringify(err)).not.toContain(SECRET);
    expect((err as Error).message).not.toContain(SECRET);
    expect((err as Error).message).toContain(`secretAccessKey=${REDACTED}`);
    expect((err as Error).cause).toBeUndefined();
  });

  it("scrubs the target's secrets out of a driver's own config and construction errors, keeping their type", async () => {
    const registry = new DriverRegistry();
    registry.register(
      defineDriverPlugin<VaultConfig>({
        id: 'vault',
        schemes: ['vault'],
        configSchema: schema,
        configFromUrl: (url) => Object.fromEntries(url.searchParams),
        parseConfig: (input) => {
          const c = input as Record<string, string>;
          if (c.mode === 'bad') throw new ConfigError(`vault: cannot use ${JSON.stringify(c)}`, 'mode');
          if (c.mode === 'throws') throw new TypeError(`oops on ${c.clientAssertion}`);
          return { vault: 'v', ...(c.clientAssertion ? { clientAssertion: c.clientAssertion } : {}) };
        },
        createStore: (config) => {
          throw new Error(`cannot reach the vault with ${config.clientAssertion}`);
        },
      }),
    );
    for (const [mode, code] of [
      ['bad', 'E_CONFIG'],
      ['throws', 'E_PLUGIN'],
      ['ok', 'E_PLUGIN'],
    ] as const) {
      const err = await registry
        .resolveTarget(`vault://x?mode=${mode}&clientAssertion=${SECRET}`, { discover: false })
        .catch((e: unknown) => e);
      expect(err, mode).toMatchObject({ code });
      expect((err as Error).message, mode).not.toContain(SECRET);
      expect((err as Error).stack, mode).not.toContain(SECRET);
      expect((err as Error).message, mode).toContain(REDACTED);
    }
  });
});
