import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DriverRegistry, targetToUrl } from '@volback/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePluginPackageChecks } from '@volback/conformance';
import plugin, { createGcsStorage, DEFAULT_MAX_UPLOAD_BYTES } from '../src/index.js';

/** What `fn` throws, which must be a ConfigError. */
const configError = (fn: () => unknown): ConfigError => {
  let thrown: unknown;
  expect(() => {
    try {
      fn();
    } catch (err) {
      thrown = err;
      throw err;
    }
  }).toThrow(ConfigError);
  return thrown as ConfigError;
};

/** A target as the CLI reads it: URL, then validation. */
const fromTarget = (target: string) => plugin.parseConfig(plugin.configFromUrl?.(targetToUrl(target)));

// Not a real key: the client only reads it; nothing here signs or sends a request.
const KEY = {
  type: 'service_account',
  project_id: 'key-project',
  client_email: 'backup@key-project.iam.gserviceaccount.com',
  private_key: 'PEM',
};
const dir = mkdtempSync(join(tmpdir(), 'volback-gcs-config-'));
const keyFile = join(dir, 'key.json');
writeFileSync(keyFile, JSON.stringify(KEY));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gcs config', () => {
  it('applies every default to a minimal config (Cinder defaults for a created bucket), and keeps a full one', () => {
    expect(plugin.parseConfig({ bucket: 'volumebackups' })).toEqual({
      bucket: 'volumebackups',
      storageClass: 'NEARLINE',
      location: 'US',
      createBucket: false,
      maxRetries: 3,
      requestTimeoutMs: 120_000,
      maxUploadBytes: DEFAULT_MAX_UPLOAD_BYTES,
      maxConcurrency: 8,
      availabilityZone: 'nova',
      listPageSize: 1000,
    });
    const full = {
      bucket: 'b.1_x-y',
      keyPrefix: '/a/b/',
      projectId: 'my-project',
      endpoint: 'http://127.0.0.1:9199',
      keyFilename: '/etc/volback/key.json',
      storageClass: 'COLDLINE',
      location: 'europe-west1',
      createBucket: true,
      maxRetries: 0,
      requestTimeoutMs: 5000,
      maxUploadBytes: 128 * 1024 * 1024,
      maxConcurrency: 4,
      availabilityZone: 'az1',
      listPageSize: 10,
    };
    expect(plugin.parseConfig(full)).toEqual({ ...full, keyPrefix: 'a/b' });
  });

  it.each([
    [{}, 'bucket'],
    [{ bucket: 'vb1', bogus: 1 }, 'bogus'],
    [{ bucket: 'UpperCase' }, 'bucket'],
    [{ bucket: 'ab' }, 'bucket'],
    [{ bucket: 'vb1', endpoint: 'ftp://x' }, 'endpoint'],
    [{ bucket: 'vb1', endpoint: 'http://u:p@127.0.0.1:9199' }, 'endpoint'],
    [{ bucket: 'vb1', projectId: 'Bad Project' }, 'projectId'],
    [{ bucket: 'vb1', keyFilename: '/k.json', credentials: '{}' }, 'credentials'],
    [{ bucket: 'vb1', maxUploadBytes: DEFAULT_MAX_UPLOAD_BYTES + 1 }, 'maxUploadBytes'],
    [{ bucket: 'vb1', maxRetries: 21 }, 'maxRetries'],
    [{ bucket: 'vb1', storageClass: 'nearline' }, 'storageClass'],
    [{ bucket: 'vb1', availabilityZone: 'a/b' }, 'availabilityZone'],
    [{ bucket: 'vb1', listPageSize: 1001 }, 'listPageSize'],
  ])('refuses %j naming %s', (input, field) => {
    const err = configError(() => plugin.parseConfig(input));
    expect(err.field).toBe(field);
    expect(err.message).toMatch(new RegExp(`^gcs: (${field}|unknown config field)`));
  });

  it('declares bucket required and credentials secret in its JSON Schema', () => {
    const schema = plugin.configSchema as { required: string[]; properties: Record<string, { secret?: boolean }> };
    expect(schema.required).toEqual(['bucket']);
    expect(Object.entries(schema.properties).flatMap(([name, p]) => (p.secret === true ? [name] : []))).toEqual(['credentials']);
  });
});

describe('gcs targets', () => {
  it('take the bucket from the host, the prefix from the path and the rest, typed, from the query', () => {
    expect(fromTarget('gs://volumebackups/team/a/?endpoint=http://127.0.0.1:9199&projectId=p1&createBucket=true&maxRetries=0')).toEqual(
      expect.objectContaining({
        bucket: 'volumebackups',
        keyPrefix: 'team/a',
        endpoint: 'http://127.0.0.1:9199',
        projectId: 'p1',
        createBucket: true,
        maxRetries: 0,
      }),
    );
    expect(fromTarget('gs://volumebackups')).not.toHaveProperty('keyPrefix');
    expect(configError(() => fromTarget('gs://vb1?colour=red')).field).toBe('colour');
    expect(configError(() => fromTarget('gs:///prefix-only')).field).toBe('bucket');
  });
});

describe('gcs client', () => {
  const valid = (extra: object) => plugin.parseConfig({ bucket: 'volumebackups', ...extra });

  it('always sets the project id: config, then GOOGLE_CLOUD_PROJECT, then the key, else E_CONFIG (never a metadata server)', () => {
    expect(createGcsStorage(valid({ projectId: 'from-config' }), { GOOGLE_CLOUD_PROJECT: 'from-env' }).projectId).toBe('from-config');
    expect(createGcsStorage(valid({ keyFilename: keyFile }), { GOOGLE_CLOUD_PROJECT: 'from-env' }).projectId).toBe('from-env');
    expect(createGcsStorage(valid({ keyFilename: keyFile }), {}).projectId).toBe('key-project');
    expect(createGcsStorage(valid({}), { GOOGLE_APPLICATION_CREDENTIALS: keyFile }).projectId).toBe('key-project');
    expect(createGcsStorage(valid({ credentials: JSON.stringify(KEY) }), {}).projectId).toBe('key-project');
    const err = configError(() => createGcsStorage(valid({ endpoint: 'http://127.0.0.1:9199' }), {}));
    expect(err.field).toBe('projectId');
    expect(err.message).toMatch(/^gcs: no project id: give projectId \(URL: \?projectId=…\) or set GOOGLE_CLOUD_PROJECT/);
  });

  it('sends no credentials to a custom endpoint without a key, and signs for one with a key', () => {
    const anonymous = createGcsStorage(valid({ projectId: 'p1', endpoint: 'http://127.0.0.1:9199/' }), {});
    expect(anonymous.apiEndpoint).toBe('http://127.0.0.1:9199');
    expect(anonymous.customEndpoint).toBe(true);
    expect(anonymous.useAuthWithCustomEndpoint).toBeFalsy();
    const keyed = createGcsStorage(valid({ projectId: 'p1', endpoint: 'https://storage.internal.example', keyFilename: keyFile }), {});
    expect(keyed.useAuthWithCustomEndpoint).toBe(true);
  });

  it('refuses an unreadable key file and inline credentials that are no key, never quoting them', () => {
    const missing = configError(() => createGcsStorage(valid({ keyFilename: join(dir, 'nope.json') }), {}));
    expect(missing.field).toBe('keyFilename');
    expect(missing.message).toMatch(/cannot read the key file .*nope\.json \(keyFilename\)/);
    const secret = '{"private_key": "do-not-print"';
    const notJson = configError(() => createGcsStorage(valid({ credentials: secret }), {}));
    expect(notJson.message).toBe('gcs: credentials is not JSON: give the content of a service-account key file');
    const notKey = configError(() => createGcsStorage(valid({ credentials: '{"private_key":"do-not-print"}' }), {}));
    expect(notKey.message).not.toContain('do-not-print');
    expect(notKey.message).toMatch(/needs client_email and private_key/);
  });
});

describe('gcs driver plugin', () => {
  it('turns a gs: target into a store', async () => {
    const registry = new DriverRegistry();
    registry.register(plugin);
    const resolved = await registry.resolveTarget('gs://volumebackups/pre?endpoint=http://127.0.0.1:9&projectId=p1', { discover: false });
    if (resolved.kind !== 'store') throw new Error('expected a store');
    expect(resolved.store.driverId).toBe('gcs');
    expect(resolved.store.serviceName).toBe('cinder.backup.drivers.gcs.GoogleBackupDriver');
    expect(resolved.store.keyPrefix).toBe('pre');
    expect(resolved.store.containerFor('any-id', null)).toBe('volumebackups');
  });
});

// The package as hosts meet it: manifest, built entry, config schema.
definePluginPackageChecks({ describe, it, expect, beforeAll, afterAll }, new URL('..', import.meta.url));
