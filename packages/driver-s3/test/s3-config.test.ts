import { ConfigError, targetToUrl } from '@volback/core';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';

const MiB = 1024 * 1024;

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** A target as the CLI reads it: URL, then validation. */
const fromTarget = (target: string) => plugin.parseConfig(plugin.configFromUrl?.(targetToUrl(target)));

describe('s3 config', () => {
  it('applies every default to a minimal config, and keeps a full one', () => {
    expect(plugin.parseConfig({ bucket: 'volumebackups' })).toEqual({
      bucket: 'volumebackups',
      region: 'us-east-1',
      forcePathStyle: false,
      tlsVerify: true,
      connectTimeoutMs: 10_000,
      requestTimeoutMs: 120_000,
      maxConnections: 50,
      maxAttempts: 4,
      createBucket: false,
      checksumMode: 'WHEN_REQUIRED',
      multipartThreshold: 64 * MiB,
      partSize: 16 * MiB,
      partConcurrency: 4,
      maxConcurrency: 8,
      availabilityZone: 'nova',
      listPageSize: 1000,
    });
    const full = {
      bucket: 'b1',
      keyPrefix: '/a/b/',
      endpoint: 'https://s3.example.com',
      region: 'eu-west-1',
      accessKeyId: 'AK',
      secretAccessKey: 'SK',
      sessionToken: 'TOKEN',
      forcePathStyle: true,
      tlsVerify: false,
      caFile: '/etc/ssl/ca.pem',
      proxy: 'http://user:pw@127.0.0.1:3128',
      connectTimeoutMs: 5000,
      requestTimeoutMs: 60000,
      maxConnections: 10,
      maxAttempts: 3,
      storageClass: 'STANDARD_IA',
      sse: 'aws:kms',
      sseKmsKeyId: 'key-1',
      createBucket: true,
      checksumMode: 'WHEN_SUPPORTED',
      multipartThreshold: 8 * MiB,
      partSize: 5 * MiB,
      partConcurrency: 2,
      maxConcurrency: 16,
      availabilityZone: 'az1',
      listPageSize: 10,
    };
    expect(plugin.parseConfig(full)).toEqual({ ...full, keyPrefix: 'a/b' });
  });

  it.each([
    [{}, 'bucket'],
    [{ bucket: 'b1', bogus: 1 }, 'bogus'],
    [{ bucket: 'no/slash' }, 'bucket'],
    [{ bucket: 'b1', endpoint: 'ftp://x' }, 'endpoint'],
    [{ bucket: 'b1', endpoint: 'not a url' }, 'endpoint'],
    [{ bucket: 'b1', endpoint: 'http://u:p@127.0.0.1:9000' }, 'endpoint'],
    [{ bucket: 'b1', accessKeyId: 'a' }, 'secretAccessKey'],
    [{ bucket: 'b1', secretAccessKey: 'a' }, 'accessKeyId'],
    [{ bucket: 'b1', sessionToken: 't' }, 'sessionToken'],
    [{ bucket: 'b1', maxAttempts: 0 }, 'maxAttempts'],
    [{ bucket: 'b1', partSize: 1024 }, 'partSize'],
    [{ bucket: 'b1', listPageSize: 1001 }, 'listPageSize'],
    [{ bucket: 'b1', forcePathStyle: 'yes' }, 'forcePathStyle'],
    [{ bucket: 'b1', region: '' }, 'region'],
    [{ bucket: 'b1', sse: 'DES' }, 'sse'],
    [{ bucket: 'b1', sseKmsKeyId: 'k' }, 'sseKmsKeyId'],
    [{ bucket: 'b1', sseCustomerKey: 'k'.repeat(32) }, 'sseCustomerAlgorithm'],
    [{ bucket: 'b1', sseCustomerAlgorithm: 'AES256' }, 'sseCustomerKey'],
    [{ bucket: 'b1', sseCustomerAlgorithm: 'AES256', sseCustomerKey: 'short' }, 'sseCustomerKey'],
    [{ bucket: 'b1', sseCustomerAlgorithm: 'AES256', sseCustomerKey: 'k'.repeat(32), sse: 'AES256' }, 'sse'],
    [{ bucket: 'b1', checksumMode: 'ALWAYS' }, 'checksumMode'],
    [{ bucket: 'b1', proxy: 'socks5://127.0.0.1:1080' }, 'proxy'],
  ])('refuses %j naming %s', (input, field) => {
    const err = configError(() => plugin.parseConfig(input));
    expect(err.field).toBe(field);
    expect(err.message).toMatch(new RegExp(`^s3: (${field}|unknown config field)`));
  });

  it('declares bucket required and the secrets secret in its JSON Schema', () => {
    const schema = plugin.configSchema as { required: string[]; properties: Record<string, { secret?: boolean; description?: string }> };
    expect(schema.required).toEqual(['bucket']);
    const secret = Object.entries(schema.properties)
      .filter(([, p]) => p.secret === true)
      .map(([name]) => name);
    expect(secret.sort()).toEqual(['secretAccessKey', 'sessionToken', 'sseCustomerKey']);
    expect(schema.properties['keyPrefix']?.description).toMatch(/real Cinder's S3 driver cannot restore/);
  });
});

describe('s3 targets', () => {
  it('take the bucket from the host, the key prefix from the path and the rest, typed, from the query', () => {
    expect(
      fromTarget('s3://MyBucket/some/prefix/?endpoint=http://127.0.0.1:8080&region=us-east-1&forcePathStyle=true&listPageSize=10'),
    ).toMatchObject({
      bucket: 'MyBucket',
      keyPrefix: 'some/prefix',
      endpoint: 'http://127.0.0.1:8080',
      region: 'us-east-1',
      forcePathStyle: true,
      listPageSize: 10,
    });
    expect(fromTarget('s3://volumebackups')).not.toHaveProperty('keyPrefix');
  });

  it('refuse credentials in the URL, unknown parameters, a missing bucket and a field given twice', () => {
    expect(configError(() => fromTarget('s3://key:secret@b1')).message).toMatch(/not in the URL/);
    expect(configError(() => fromTarget('s3://b1?colour=red')).field).toBe('colour');
    expect(configError(() => fromTarget('s3:///prefix-only')).field).toBe('bucket');
    expect(configError(() => fromTarget('s3://b1/p?keyPrefix=q')).field).toBe('keyPrefix');
  });
});
