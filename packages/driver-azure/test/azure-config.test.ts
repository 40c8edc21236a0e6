import { AnonymousCredential, StorageSharedKeyCredential } from '@azure/storage-blob';
import { ConfigError } from '@volback/core/driver';
import { describe, expect, it } from 'vitest';
import plugin, { resolveCredentials, type TokenCredential } from '../src/index.js';
import { locationOf } from '../src/config.js';

const KEY = Buffer.alloc(64, 7).toString('base64');
const fromUrl = (url: string) => plugin.parseConfig(plugin.configFromUrl?.(new URL(url)));
const errorOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
};

describe('azure config', () => {
  it('reads azure://<account>/<container>/<prefix>?endpoint=… with defaults applied', () => {
    const c = fromUrl('azure://myacct/backups/team-a/x?endpoint=http%3A%2F%2F127.0.0.1%3A10000%2Fdevstoreaccount1&createContainer=true');
    expect(c).toMatchObject({
      account: 'myacct',
      container: 'backups/team-a/x',
      endpoint: 'http://127.0.0.1:10000/devstoreaccount1',
      createContainer: true,
      blockThreshold: 64 * 1024 * 1024,
      maxTries: 4,
      availabilityZone: 'nova',
    });
    expect(locationOf(c)).toEqual({ container: 'backups', keyPrefix: 'team-a/x' });
    expect(locationOf(fromUrl('azure://myacct/backups'))).toEqual({ container: 'backups', keyPrefix: '' });
    expect(locationOf(plugin.parseConfig({ container: 'backups', keyPrefix: '/p/' }))).toEqual({ container: 'backups', keyPrefix: 'p' });
  });

  it('refuses credentials in the URL, bad names, and a key prefix given twice', () => {
    expect(errorOf(() => fromUrl('azure://user:pw@myacct/backups'))).toBeInstanceOf(ConfigError);
    expect((errorOf(() => plugin.parseConfig({ container: 'Bad_Name' })) as ConfigError).field).toBe('container');
    expect((errorOf(() => plugin.parseConfig({ container: 'ok-name', account: 'UPPER' })) as ConfigError).field).toBe('account');
    expect((errorOf(() => plugin.parseConfig({ container: 'ok-name/p', keyPrefix: 'q' })) as ConfigError).field).toBe('keyPrefix');
    expect((errorOf(() => plugin.parseConfig({ container: 'ok-name', endpoint: 'http://h/?sv=1' })) as ConfigError).field).toBe('endpoint');
    expect((errorOf(() => plugin.parseConfig({ container: 'ok-name', accessTier: 'Archive' })) as ConfigError).field).toBe('accessTier');
    const both = errorOf(() =>
      plugin.parseConfig({ container: 'ok-name', accountKey: 'secret-one', sasToken: 'secret-two' }),
    ) as ConfigError;
    expect(both.message).toMatch(/exclude each other/);
    expect(both.message).not.toMatch(/secret-one|secret-two/);
  });

  it('marks the secrets as secret in the schema', () => {
    const props = plugin.configSchema.properties as Record<string, { secret?: boolean }>;
    expect(['connectionString', 'accountKey', 'sasToken'].map((k) => props[k]?.secret)).toEqual([true, true, true]);
  });
});

describe('azure credentials', () => {
  const base = plugin.parseConfig({ container: 'backups' });

  it('takes a key from the config, with the default endpoint of the account', () => {
    const r = resolveCredentials(plugin.parseConfig({ container: 'backups', account: 'acct1', accountKey: KEY }), undefined, {});
    expect(r.serviceUrl).toBe('https://acct1.blob.core.windows.net');
    expect(r.credential).toBeInstanceOf(StorageSharedKeyCredential);
    expect(r.describe).toBe('shared key from the config');
  });

  it('takes AZURE_STORAGE_CONNECTION_STRING first, then ACCOUNT + KEY, then SAS_TOKEN', () => {
    const cs = `DefaultEndpointsProtocol=https;AccountName=acct2;AccountKey=${KEY};EndpointSuffix=core.chinacloudapi.cn`;
    const all = {
      AZURE_STORAGE_CONNECTION_STRING: cs,
      AZURE_STORAGE_ACCOUNT: 'acct2',
      AZURE_STORAGE_KEY: KEY,
      AZURE_STORAGE_SAS_TOKEN: 'sv=1&sig=x',
    };
    const r1 = resolveCredentials(base, undefined, all);
    expect([r1.account, r1.serviceUrl, r1.describe]).toEqual([
      'acct2',
      'https://acct2.blob.core.chinacloudapi.cn',
      'connection string from AZURE_STORAGE_CONNECTION_STRING',
    ]);
    const r2 = resolveCredentials(base, undefined, { ...all, AZURE_STORAGE_CONNECTION_STRING: '' });
    expect([r2.account, r2.describe]).toEqual(['acct2', 'shared key from AZURE_STORAGE_KEY']);
    const r3 = resolveCredentials(base, undefined, { AZURE_STORAGE_ACCOUNT: 'acct3', AZURE_STORAGE_SAS_TOKEN: '?sv=1&sig=x' });
    expect(r3.serviceUrl).toBe('https://acct3.blob.core.windows.net?sv=1&sig=x');
    expect(r3.credential).toBeInstanceOf(AnonymousCredential);
  });

  it("lets the config's endpoint override a connection string's, and refuses a string for another account", () => {
    const config = plugin.parseConfig({
      container: 'backups',
      endpoint: 'http://127.0.0.1:1/acct4/',
      connectionString: `AccountName=acct4;AccountKey=${KEY};BlobEndpoint=https://elsewhere`,
    });
    expect(resolveCredentials(config, undefined, {}).serviceUrl).toBe('http://127.0.0.1:1/acct4');
    const other = errorOf(() => resolveCredentials({ ...config, account: 'acct5' }, undefined, {})) as ConfigError;
    expect(other.message).toMatch(/is for account acct4, not acct5/);
    expect(other.message).not.toContain(KEY);
  });

  it('reads UseDevelopmentStorage=true as azurite, and names the account of a path-style endpoint', () => {
    const dev = resolveCredentials(base, undefined, { AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' });
    expect([dev.account, dev.serviceUrl]).toEqual(['devstoreaccount1', 'http://127.0.0.1:10000/devstoreaccount1']);
    const config = plugin.parseConfig({ container: 'backups', endpoint: 'http://127.0.0.1:10000/devstoreaccount1' });
    expect(resolveCredentials(config, undefined, { AZURE_STORAGE_KEY: KEY }).account).toBe('devstoreaccount1');
  });

  it('refuses a malformed connection string without echoing it', () => {
    const err = errorOf(() =>
      resolveCredentials(plugin.parseConfig({ container: 'backups', connectionString: 'AccountName=a;s3cr3t' }), undefined, {}),
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).not.toContain('s3cr3t');
  });

  it('uses a TokenCredential of the host, alone', () => {
    const token: TokenCredential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 60_000 }) };
    const r = resolveCredentials(plugin.parseConfig({ container: 'backups', account: 'acct6' }), token, { AZURE_STORAGE_KEY: KEY });
    expect(r.credential).toBe(token);
    expect(r.describe).toBe('token credential of the host');
    expect(errorOf(() => resolveCredentials({ ...base, account: 'acct6', accountKey: KEY }, token, {}))).toBeInstanceOf(ConfigError);
  });

  it('says how to give credentials when there are none (E_AUTH)', () => {
    const err = errorOf(() => resolveCredentials({ ...base, account: 'acct7' }, undefined, {})) as Error & { code: string };
    expect(err.code).toBe('E_AUTH');
    expect(err.message).toMatch(/^azure: no credentials: .*AZURE_STORAGE_CONNECTION_STRING/);
  });
});
