import { AnonymousCredential, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { AzureConfig } from './config.js';
import { type ConnectionStringParts, parseConnectionString } from './connection-string.js';
import { azureErrors } from './azure-errors.js';

/**
 * Anything with `getToken`, as `@azure/core-auth` declares a TokenCredential: what
 * `@azure/identity` gives (DefaultAzureCredential, ManagedIdentityCredential, …), or a host's own.
 * Declared here so the driver needs neither package.
 */
export interface TokenCredential {
  /** A bearer token for `scopes`, or null when none can be had; the SDK calls it again before expiry. */
  getToken(
    scopes: string | string[],
    options?: object,
  ): Promise<{
    /** The bearer token itself, a secret. */
    token: string;
    /** When the token stops working, in milliseconds since the epoch. */
    expiresOnTimestamp: number;
  } | null>;
}

/** How the driver signs in: the service URL to talk to and the credential to sign with. */
export interface ResolvedCredentials {
  /** The storage account name, from the config, the connection string or the endpoint. */
  account: string;
  /** The blob service URL, with the SAS token as its query when signing by SAS. */
  serviceUrl: string;
  /** What signs each request: a shared key, nothing (SAS in the URL), or a token credential. */
  credential: StorageSharedKeyCredential | AnonymousCredential | TokenCredential;
  /** For messages: `shared key from AZURE_STORAGE_KEY`, `SAS token from the config`, … (never the secret). */
  describe: string;
}

/** The environment credentials are read from (`process.env` unless a host passes its own). */
export type Env = Readonly<Record<string, string | undefined>>;

/** A found credential, before the account and endpoint are settled. */
interface Found {
  parts: ConnectionStringParts;
  token?: TokenCredential;
  kind: string;
  from: string;
}

/**
 * The credentials of `config`, else of `token` (a host's TokenCredential), else of the
 * environment, in the conventions of Azure's own tools: AZURE_STORAGE_CONNECTION_STRING, then
 * AZURE_STORAGE_ACCOUNT + AZURE_STORAGE_KEY, then AZURE_STORAGE_SAS_TOKEN. The config's account
 * and endpoint win over the connection string's.
 * @throws ConfigError for a malformed or contradictory setting; AuthError when there is no credential at all.
 */
export function resolveCredentials(config: AzureConfig, token: TokenCredential | undefined, env: Env = process.env): ResolvedCredentials {
  const found = findCredential(config, token, env);
  const account = config.account ?? found.parts.account ?? env['AZURE_STORAGE_ACCOUNT'] ?? accountOfEndpoint(config.endpoint);
  if (account === undefined || account === '') {
    throw azureErrors.config(
      `no storage account: give account (the URL's host), or set AZURE_STORAGE_ACCOUNT (signing with the ${found.kind} ${found.from})`,
      'account',
    );
  }
  if (found.parts.account !== undefined && found.parts.account !== account) {
    throw azureErrors.config(
      `the connection string ${found.from} is for account ${found.parts.account}, not ${account}`,
      found.from === 'from the config' ? 'connectionString' : 'account',
    );
  }
  const endpoint = (config.endpoint ?? found.parts.endpoint ?? `https://${account}.blob.core.windows.net`).replace(/\/+$/, '');
  const describe = `${found.kind} ${found.from}`;
  if (found.token !== undefined) return { account, serviceUrl: endpoint, credential: found.token, describe };
  if (found.parts.accountKey !== undefined) {
    return { account, serviceUrl: endpoint, credential: new StorageSharedKeyCredential(account, found.parts.accountKey), describe };
  }
  const sas = (found.parts.sasToken ?? '').replace(/^\?/, '');
  return { account, serviceUrl: `${endpoint}?${sas}`, credential: new AnonymousCredential(), describe };
}

function findCredential(config: AzureConfig, token: TokenCredential | undefined, env: Env): Found {
  const fromConfig = 'from the config';
  const configured = [config.connectionString, config.accountKey, config.sasToken].some((v) => v !== undefined);
  if (token !== undefined) {
    if (configured)
      throw azureErrors.config('a TokenCredential was given besides a key, SAS token or connection string: give one', 'accountKey');
    return { parts: {}, token, kind: 'token credential', from: 'of the host' };
  }
  if (config.connectionString !== undefined) {
    return { parts: connectionString(config.connectionString, 'connectionString'), kind: 'connection string', from: fromConfig };
  }
  if (config.accountKey !== undefined) return { parts: { accountKey: config.accountKey }, kind: 'shared key', from: fromConfig };
  if (config.sasToken !== undefined) return { parts: { sasToken: config.sasToken }, kind: 'SAS token', from: fromConfig };

  const envConnection = nonEmpty(env['AZURE_STORAGE_CONNECTION_STRING']);
  if (envConnection !== undefined) {
    const parts = connectionString(envConnection, 'connectionString', 'AZURE_STORAGE_CONNECTION_STRING');
    return { parts, kind: 'connection string', from: 'from AZURE_STORAGE_CONNECTION_STRING' };
  }
  const envKey = nonEmpty(env['AZURE_STORAGE_KEY']);
  if (envKey !== undefined) return { parts: { accountKey: envKey }, kind: 'shared key', from: 'from AZURE_STORAGE_KEY' };
  const envSas = nonEmpty(env['AZURE_STORAGE_SAS_TOKEN']);
  if (envSas !== undefined) return { parts: { sasToken: envSas }, kind: 'SAS token', from: 'from AZURE_STORAGE_SAS_TOKEN' };
  throw azureErrors.auth(
    'no credentials: give accountKey, sasToken or connectionString in the config, or set AZURE_STORAGE_CONNECTION_STRING, ' +
      'AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY, or AZURE_STORAGE_SAS_TOKEN (a host may pass a TokenCredential)',
  );
}

function connectionString(text: string, field: string, variable?: string): ConnectionStringParts {
  try {
    return parseConnectionString(text);
  } catch (err) {
    // The message names what is wrong, never the string: it holds the secret.
    throw azureErrors.config(`${variable ?? field}: ${(err as Error).message}`, field);
  }
}

/** The account an endpoint names: `<account>.blob.…`, or the first path segment of a path-style one (azurite). */
function accountOfEndpoint(endpoint: string | undefined): string | undefined {
  const url = endpoint === undefined ? undefined : URL.parse(endpoint);
  if (!url) return undefined;
  const host = /^([a-z0-9]{3,24})\.blob\./.exec(url.hostname)?.[1];
  return host ?? /^\/([a-z0-9]{3,24})(\/|$)/.exec(url.pathname)?.[1];
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}
