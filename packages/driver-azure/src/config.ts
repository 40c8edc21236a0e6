import { configField, hasUnprintable, z } from '@volback/core/driver';

const MiB = 1024 * 1024;
/** Azure's largest block, and its largest single Put Blob (service versions from 2019-12-12). */
const MAX_BLOCK_SIZE = 4000 * MiB;
/** Bytes of a blob name. */
const MAX_BLOB_NAME_BYTES = 1024;
/**
 * Bytes of `keyPrefix`: volback's object names take at most 255 (see core's ids.ts), and a `/`
 * joins the two, so every blob name stays within Azure's 1024.
 */
export const MAX_KEY_PREFIX_BYTES = MAX_BLOB_NAME_BYTES - 255 - 1;
/** Bytes of `availabilityZone`, which is part of every object name; Cinder's default is `nova`. */
export const MAX_AVAILABILITY_ZONE_BYTES = 64;

/** Azure's container names: 3 to 63 lowercase letters, digits and single inner dashes. */
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;
/** Azure's storage account names. */
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;

const { secret, int, flag, keyPart } = configField;

/**
 * The Azure driver's config, declared once: its type (defaults applied), validation, JSON Schema
 * and secrets all come from here. Credentials left out here are looked for in the environment
 * (see credentials.ts).
 */
export const azureConfig = z
  .strictObject({
    account: z
      .string()
      .regex(ACCOUNT_NAME, 'is not a storage account name (3 to 24 lowercase letters and digits)')
      .describe('Storage account; from the connection string or AZURE_STORAGE_ACCOUNT when unset')
      .optional(),
    container: z
      .string()
      .overwrite((v) => v.replace(/^\/+|\/+$/g, ''))
      .describe('Default container (a backup’s own container wins); `container/key/prefix`, as in the URL path, also sets keyPrefix'),
    keyPrefix: keyPart(
      z.string().overwrite((v) => v.replace(/^\/+|\/+$/g, '')),
      MAX_KEY_PREFIX_BYTES,
    )
      .describe("Prefix before every blob name (leading and trailing / are dropped); our extension, not Cinder's")
      .optional(),
    endpoint: z
      .string()
      .refine((v) => ['http:', 'https:'].includes(URL.parse(v)?.protocol ?? ''), 'must be an http or https URL')
      .refine((v) => URL.parse(v)?.search === '', 'must not hold a query: give a SAS token as sasToken')
      .refine((v) => URL.parse(v)?.username === '' && URL.parse(v)?.password === '', 'must not hold a user name or password')
      .describe(
        'Blob service URL, e.g. http://127.0.0.1:10000/devstoreaccount1 (azurite) or a sovereign cloud; https://<account>.blob.core.windows.net when unset',
      )
      .optional(),
    connectionString: secret('Connection string (AccountName, AccountKey or SharedAccessSignature, BlobEndpoint, …)').optional(),
    accountKey: secret('Shared key of the account (base64)').optional(),
    sasToken: secret('Shared access signature token (the query string, with or without its leading ?)').optional(),
    accessTier: z.enum(['Hot', 'Cool', 'Cold']).describe("Access tier of every blob written; the account's default when unset").optional(),
    createContainer: flag('Create a missing container', false),
    blockThreshold: int('Objects larger than this are staged as blocks and committed (bytes)', 64 * MiB, 0, MAX_BLOCK_SIZE),
    blockSize: int(
      'Size of each staged block (bytes; raised when an object would need more than 50 000 blocks)',
      8 * MiB,
      MiB,
      MAX_BLOCK_SIZE,
    ),
    blockConcurrency: int('Blocks of one object staged at once', 4, 1, 64),
    maxConcurrency: int('Transfers the engine may run at once', 8, 1, 256),
    maxTries: int('Tries per request, the first included (the SDK retries with exponential backoff)', 4, 1, 20),
    idleTimeoutMs: int(
      'A call that makes no progress (no answer, no body bytes) for this long fails with a transient error (ms)',
      120_000,
      1_000,
      3_600_000,
    ),
    retryDelayMs: int('First retry delay (ms), doubled on each retry', 4_000, 1, 600_000),
    maxRetryDelayMs: int('Longest retry delay (ms)', 120_000, 1, 3_600_000),
    /** Cinder's `storage_availability_zone`, part of every object name: a restore needs the zone the backup was made in. */
    availabilityZone: configField.availabilityZone(MAX_AVAILABILITY_ZONE_BYTES),
    listPageSize: int('Blobs per listing page', 1000, 1, 5000),
  })
  .describe("Cinder's object-store backup layout in Azure Blob Storage block blobs")
  .superRefine((c, ctx) => {
    const fail = (path: string, message: string): void => void ctx.addIssue({ code: 'custom', path: [path], message });
    const slash = c.container.indexOf('/');
    const container = slash < 0 ? c.container : c.container.slice(0, slash);
    if (!CONTAINER_NAME.test(container)) {
      fail('container', 'is not a container name (3 to 63 lowercase letters, digits and single inner dashes)');
    }
    if (slash >= 0 && c.keyPrefix !== undefined) fail('keyPrefix', 'is given twice: by container (after its /) and by keyPrefix');
    if (slash >= 0) {
      const prefix = c.container.slice(slash + 1).replace(/^\/+/, '');
      if (Buffer.byteLength(prefix, 'utf8') > MAX_KEY_PREFIX_BYTES)
        fail('container', `key prefix must be at most ${MAX_KEY_PREFIX_BYTES} bytes long`);
      if (hasUnprintable(prefix)) fail('container', 'key prefix must not contain a control, format or line-separator character');
    }
    const given = (['connectionString', 'accountKey', 'sasToken'] as const).filter((k) => c[k] !== undefined);
    if (given.length > 1) fail(given[1]!, `${given.join(' and ')} exclude each other: give one kind of credential`);
    if (c.maxRetryDelayMs < c.retryDelayMs) fail('maxRetryDelayMs', 'must not be less than retryDelayMs');
  });

/** Validated Azure config, every default applied. */
export type AzureConfig = z.output<typeof azureConfig>;
/** Azure config as written (a file, a URL's query, a host's object), before validation. */
export type AzureConfigInput = z.input<typeof azureConfig>;

/** The container and key prefix a config names, `container/key/prefix` split apart. */
export function locationOf(config: AzureConfig): { container: string; keyPrefix: string } {
  const slash = config.container.indexOf('/');
  if (slash < 0) return { container: config.container, keyPrefix: config.keyPrefix ?? '' };
  return { container: config.container.slice(0, slash), keyPrefix: config.container.slice(slash + 1).replace(/^\/+/, '') };
}
