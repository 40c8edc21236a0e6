import { ConfigError } from '@volback/core';
import { describe, expect, it } from 'vitest';
import { parseS3Config, S3ObjectStore, s3ConfigFromUrl, s3ConfigSchema } from '../src/index.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseS3Config', () => {
  it('accepts a minimal and a full config', () => {
    expect(parseS3Config({ bucket: 'volumebackups' })).toEqual({ bucket: 'volumebackups' });
    const full = {
      bucket: 'b1',
      keyPrefix: '/a/b/',
      endpoint: 'https://s3.example.com',
      region: 'eu-west-1',
      accessKeyId: 'AK',
      secretAccessKey: 'SK',
      sessionToken: 'TOKEN',
      forcePathStyle: 'true',
      tlsVerify: false,
      caFile: '/etc/ssl/ca.pem',
      proxy: 'http://user:pw@127.0.0.1:3128',
      connectTimeoutMs: '5000',
      requestTimeoutMs: 60000,
      maxConnections: 10,
      maxAttempts: 3,
      storageClass: 'STANDARD_IA',
      sse: 'aws:kms',
      sseKmsKeyId: 'key-1',
      createBucket: true,
      checksumMode: 'WHEN_SUPPORTED',
      multipartThreshold: 8 * 1024 * 1024,
      partSize: 5 * 1024 * 1024,
      partConcurrency: 2,
      maxConcurrency: 16,
      availabilityZone: 'az1',
      listPageSize: 10,
    };
    const parsed = parseS3Config(full);
    expect(parsed).toMatchObject({ ...full, keyPrefix: 'a/b', forcePathStyle: true, connectTimeoutMs: 5000 });
  });

  it.each([
    [{}, 'bucket'],
    [{ bucket: 'b1', bogus: 1 }, 'bogus'],
    [{ bucket: 'no/slash' }, 'bucket'],
    [{ bucket: 'b1', endpoint: 'ftp://x' }, 'endpoint'],
    [{ bucket: 'b1', endpoint: 'not a url' }, 'endpoint'],
    [{ bucket: 'b1', accessKeyId: 'a' }, 'secretAccessKey'],
    [{ bucket: 'b1', secretAccessKey: 'a' }, 'accessKeyId'],
    [{ bucket: 'b1', sessionToken: 't' }, 'sessionToken'],
    [{ bucket: 'b1', maxAttempts: 0 }, 'maxAttempts'],
    [{ bucket: 'b1', partSize: 1024 }, 'partSize'],
    [{ bucket: 'b1', listPageSize: 1001 }, 'listPageSize'],
    [{ bucket: 'b1', forcePathStyle: 'yes' }, 'forcePathStyle'],
    [{ bucket: 'b1', sse: 'DES' }, 'sse'],
    [{ bucket: 'b1', sseKmsKeyId: 'k' }, 'sseKmsKeyId'],
    [{ bucket: 'b1', sseCustomerKey: 'k'.repeat(32) }, 'sseCustomerAlgorithm'],
    [{ bucket: 'b1', sseCustomerAlgorithm: 'AES256' }, 'sseCustomerKey'],
    [{ bucket: 'b1', sseCustomerAlgorithm: 'AES256', sseCustomerKey: 'short' }, 'sseCustomerKey'],
    [{ bucket: 'b1', sseCustomerAlgorithm: 'AES256', sseCustomerKey: 'k'.repeat(32), sse: 'AES256' }, 'sse'],
    [{ bucket: 'b1', checksumMode: 'ALWAYS' }, 'checksumMode'],
    [{ bucket: 'b1', proxy: 'socks5://127.0.0.1:1080' }, 'proxy'],
  ])('refuses %j naming %s', (input, field) => {
    const err = configError(() => parseS3Config(input));
    expect(err.field).toBe(field);
    expect(err.message).toMatch(/^s3: /);
  });

  it('refuses what is not an object', () => {
    expect(() => parseS3Config(null)).toThrow(ConfigError);
    expect(() => parseS3Config('s3://b')).toThrow(ConfigError);
  });

  it('describes every field in the schema', () => {
    const parsed = parseS3Config({ bucket: 'b1' });
    expect(Object.keys(parsed).every((k) => k in s3ConfigSchema.properties)).toBe(true);
    expect(s3ConfigSchema.required).toEqual(['bucket']);
    expect(JSON.parse(JSON.stringify(s3ConfigSchema))).toEqual(s3ConfigSchema);
    expect(s3ConfigSchema.properties.secretAccessKey.secret).toBe(true);
  });
});

describe('s3ConfigFromUrl', () => {
  it('takes the bucket from the host, the key prefix from the path and the rest from the query', () => {
    expect(s3ConfigFromUrl('s3://MyBucket/some/prefix/?endpoint=http://127.0.0.1:8080&region=us-east-1&forcePathStyle=true&listPageSize=10')).toEqual({
      bucket: 'MyBucket',
      keyPrefix: 'some/prefix',
      endpoint: 'http://127.0.0.1:8080',
      region: 'us-east-1',
      forcePathStyle: true,
      listPageSize: 10,
    });
    expect(s3ConfigFromUrl(new URL('s3://volumebackups'))).toEqual({ bucket: 'volumebackups' });
  });

  it('refuses other schemes, credentials in the URL and unknown parameters', () => {
    expect(configError(() => s3ConfigFromUrl('gs://b1')).field).toBe('bucket');
    expect(configError(() => s3ConfigFromUrl('s3://key:secret@b1')).field).toBe('accessKeyId');
    expect(configError(() => s3ConfigFromUrl('s3://b1?colour=red')).field).toBe('colour');
    expect(configError(() => s3ConfigFromUrl('s3:///prefix-only')).field).toBe('bucket');
  });

  it('puts the URL prefix before every key', () => {
    const store = new S3ObjectStore(s3ConfigFromUrl('s3://b1/tenant/x?endpoint=http://127.0.0.1:9&accessKeyId=a&secretAccessKey=b'));
    expect(store.config.keyPrefix).toBe('tenant/x');
    expect(store.capabilities).toEqual({ maxConcurrency: 8, ranges: true, maxObjectBytes: 5 * 1024 ** 4, listContainers: true });
    void store.close();
  });
});
