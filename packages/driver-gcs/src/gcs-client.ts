import { readFileSync } from 'node:fs';
import { IdempotencyStrategy, Storage, type StorageOptions } from '@google-cloud/storage';
import type { GcsConfig } from './config.js';
import { gcsErrors } from './gcs-errors.js';

/** The fields of a service-account key volback reads; the SDK reads the rest. */
interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  project_id?: string;
}

/**
 * Builds the SDK client for a validated config. The project id is always set here, so the client
 * never asks a metadata server for one; credentials are, in order, the inline key, the key file
 * (config, then env GOOGLE_APPLICATION_CREDENTIALS), none at all for a custom endpoint without a
 * key (an emulator checks none), and otherwise application default credentials.
 * @throws ConfigError when the key cannot be read or no project id is found.
 */
export function createGcsStorage(config: GcsConfig, env: NodeJS.ProcessEnv = process.env): Storage {
  const inline = config.credentials === undefined ? undefined : parseInlineKey(config.credentials);
  const keyFile = config.keyFilename ?? (inline === undefined ? env['GOOGLE_APPLICATION_CREDENTIALS'] || undefined : undefined);
  const projectId =
    config.projectId ??
    (env['GOOGLE_CLOUD_PROJECT'] || undefined) ??
    inline?.project_id ??
    (keyFile === undefined ? undefined : readKeyFile(keyFile, config.keyFilename !== undefined).project_id);
  if (projectId === undefined) {
    throw gcsErrors.config(
      'no project id: give projectId (URL: ?projectId=…) or set GOOGLE_CLOUD_PROJECT; ' + 'volback never asks a metadata server for one',
      'projectId',
    );
  }
  const hasKey = inline !== undefined || keyFile !== undefined;
  const options: StorageOptions = {
    projectId,
    timeout: config.requestTimeoutMs,
    retryOptions: {
      // The SDK reads maxRetries 0 as "the default" (3): no retries is autoRetry off.
      autoRetry: config.maxRetries > 0,
      maxRetries: Math.max(config.maxRetries, 1),
      retryDelayMultiplier: 2,
      maxRetryDelay: 32,
      totalTimeout: 600,
      // Every call volback makes may be repeated: a put replaces the object with the same bytes,
      // a delete of a missing object succeeds. Anything else also stops save() from switching
      // retries off for the whole client when a call has no precondition.
      idempotencyStrategy: IdempotencyStrategy.RetryAlways,
    },
  };
  if (config.endpoint !== undefined) {
    options.apiEndpoint = config.endpoint.replace(/\/+$/, '');
    // With a key, a private endpoint still gets signed requests; without one, none are sent.
    if (hasKey) options.useAuthWithCustomEndpoint = true;
  }
  if (inline !== undefined) options.credentials = { client_email: inline.client_email, private_key: inline.private_key };
  else if (keyFile !== undefined) options.keyFilename = keyFile;
  return new Storage(options);
}

function parseInlineKey(text: string): ServiceAccountKey {
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    // The text is a secret: the parser's message may quote it, so it is not passed on.
    throw gcsErrors.config('credentials is not JSON: give the content of a service-account key file', 'credentials');
  }
  return checkInlineKey(key);
}

/** Only a key file read for its project id: the SDK reads it again to sign requests. */
function readKeyFile(path: string, fromConfig: boolean): ServiceAccountKey | { project_id?: string } {
  const field = fromConfig ? 'keyFilename' : 'GOOGLE_APPLICATION_CREDENTIALS';
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw gcsErrors.config(`cannot read the key file ${path} (${field}): ${(err as Error).message}`, field, err);
  }
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    throw gcsErrors.config(`the key file ${path} (${field}) is not JSON`, field);
  }
  // Application default credentials of a user (gcloud auth application-default login) have no project.
  const projectId = (key as { project_id?: unknown } | null)?.project_id;
  return typeof projectId === 'string' && projectId !== '' ? { project_id: projectId } : {};
}

function checkInlineKey(key: unknown): ServiceAccountKey {
  const k = (typeof key === 'object' && key !== null ? key : {}) as Record<string, unknown>;
  if (typeof k['client_email'] !== 'string' || typeof k['private_key'] !== 'string') {
    throw gcsErrors.config('credentials is not a service-account key: it needs client_email and private_key', 'credentials');
  }
  const projectId = typeof k['project_id'] === 'string' && k['project_id'] !== '' ? k['project_id'] : undefined;
  return { client_email: k['client_email'], private_key: k['private_key'], ...(projectId === undefined ? {} : { project_id: projectId }) };
}
