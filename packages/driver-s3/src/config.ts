import { ConfigError, hasUnprintable, redactTarget, type ConfigPropertySchema, type DriverConfigSchema } from '@volback/core';

/** Server-side encryption with keys the server manages. */
export type S3ServerSideEncryption = 'AES256' | 'aws:kms';

/**
 * How the SDK adds flexible checksums. `WHEN_REQUIRED` only where an operation demands one;
 * `WHEN_SUPPORTED` (the SDK's default) on every upload, as aws-chunked trailers for streams.
 */
export type S3ChecksumMode = 'WHEN_REQUIRED' | 'WHEN_SUPPORTED';

/** Settings of an {@link S3ObjectStore}. Sizes are bytes, times milliseconds. */
export interface S3StoreConfig {
  /** Default bucket (Cinder's `backup_s3_store_bucket`); a backup's own container wins. */
  bucket: string;
  /** Key prefix put before every Cinder object name, without leading or trailing `/` (from `s3://bucket/some/prefix`). */
  keyPrefix?: string;
  /** Endpoint URL, e.g. `https://s3.example.com`; the SDK picks AWS's when unset. */
  endpoint?: string;
  /** Signing region. Default `us-east-1`. */
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Shared config/credentials profile used when no explicit keys are given. */
  profile?: string;
  /** Path-style addressing (`endpoint/bucket/key`), as most non-AWS servers need. Default false. */
  forcePathStyle?: boolean;
  /** Verify the server's TLS certificate. Default true. */
  tlsVerify?: boolean;
  /** PEM file of extra CAs to trust (Cinder's `backup_s3_ca_cert_file`). */
  caFile?: string;
  /** `http://[user:pass@]host:port` proxy; requests are tunnelled through it with CONNECT. */
  proxy?: string;
  /** Default 10 000. */
  connectTimeoutMs?: number;
  /** Socket idle timeout per request. Default 120 000. */
  requestTimeoutMs?: number;
  /** Sockets kept per agent. Default 50. */
  maxConnections?: number;
  /** Attempts per request, first one included (the SDK's retry strategy). Default 4, as Cinder. */
  maxAttempts?: number;
  /** `StorageClass` of every object written, e.g. `STANDARD_IA`. */
  storageClass?: string;
  sse?: S3ServerSideEncryption;
  /** KMS key for `sse: 'aws:kms'`. */
  sseKmsKeyId?: string;
  /** SSE-C key as a raw string, as Cinder's `backup_s3_sse_customer_key`; needs `sseCustomerAlgorithm`. */
  sseCustomerKey?: string;
  /** SSE-C algorithm, as Cinder's `backup_s3_sse_customer_algorithm` (`AES256`); needs `sseCustomerKey`. */
  sseCustomerAlgorithm?: string;
  /** Create a missing bucket in `ensureContainer`. Default false. */
  createBucket?: boolean;
  /** Default `WHEN_REQUIRED`: see {@link S3ChecksumMode} and the note in `s3-client.ts`. */
  checksumMode?: S3ChecksumMode;
  /** Objects larger than this go multipart. Default 64 MiB. */
  multipartThreshold?: number;
  /** Multipart part size (raised when an object would need more than 10 000 parts). Default 16 MiB. */
  partSize?: number;
  /** Parts of one object uploaded at once. Default 4. */
  partConcurrency?: number;
  /** Transfers the engine may run at once. Default 8. */
  maxConcurrency?: number;
  /** Cinder's `storage_availability_zone`, part of every object name. Default `nova`. */
  availabilityZone?: string;
  /** `MaxKeys` of each ListObjectsV2 page. Default 1000. */
  listPageSize?: number;
}

/** A property of {@link s3ConfigSchema}. */
export type S3ConfigPropertySchema = ConfigPropertySchema;

/** A JSON-schema-like description of {@link S3StoreConfig}, as plain data for docs and the CLI. */
export type S3ConfigSchema = DriverConfigSchema<S3StoreConfig>;

const MiB = 1024 * 1024;
/** S3's smallest non-last part. */
const MIN_PART_SIZE = 5 * MiB;
/** S3's largest part, and its largest single PUT. */
const MAX_PART_SIZE = 5 * 1024 * MiB;
/**
 * Bytes of `keyPrefix`. An S3 key holds 1024 bytes; volback's object names take at most 255
 * (a 244-byte prefix, the bound of core's ids.ts, and `_sha256file`), and a `/` joins the two.
 */
export const MAX_KEY_PREFIX_BYTES = 1024 - 255 - 1;
/** Bytes of `availabilityZone`, which is part of every object name; Cinder's default is `nova`. */
export const MAX_AVAILABILITY_ZONE_BYTES = 64;

/** Defaults applied by {@link S3ObjectStore} for fields left unset. */
export const S3_DEFAULTS = {
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
} as const;

const str = (description: string, extra: Partial<S3ConfigPropertySchema> = {}): S3ConfigPropertySchema => ({
  type: 'string',
  description,
  required: false,
  ...extra,
});
const int = (description: string, def: number, minimum: number, maximum: number): S3ConfigPropertySchema => ({
  type: 'integer',
  description,
  required: false,
  default: def,
  minimum,
  maximum,
});
const bool = (description: string, def: boolean): S3ConfigPropertySchema => ({
  type: 'boolean',
  description,
  required: false,
  default: def,
});

/** The S3 driver's settings, described for docs and the CLI. */
export const s3ConfigSchema: S3ConfigSchema = {
  type: 'object',
  description: "Cinder's S3 backup layout on any S3-compatible object store",
  additionalProperties: false,
  required: ['bucket'],
  properties: {
    bucket: str("Default bucket (Cinder's backup_s3_store_bucket)", { required: true }),
    keyPrefix: str('Key prefix before every object name (no leading or trailing /)'),
    endpoint: str('Endpoint URL (http or https); AWS when unset'),
    region: str('Signing region', { default: S3_DEFAULTS.region }),
    accessKeyId: str('Access key id; the SDK default chain (env, profile, ...) when unset'),
    secretAccessKey: str('Secret access key', { secret: true }),
    sessionToken: str('Session token of temporary credentials', { secret: true }),
    profile: str('Shared config profile for the SDK default credential chain'),
    forcePathStyle: bool('Path-style addressing (endpoint/bucket/key)', S3_DEFAULTS.forcePathStyle),
    tlsVerify: bool("Verify the server's TLS certificate", S3_DEFAULTS.tlsVerify),
    caFile: str('PEM file of extra CAs to trust'),
    proxy: str('http:// proxy URL, with user:password@ for Basic auth (the password is never printed); requests are tunnelled with CONNECT'),
    connectTimeoutMs: int('Connect timeout (ms)', S3_DEFAULTS.connectTimeoutMs, 1, 600_000),
    requestTimeoutMs: int('Socket idle timeout per request (ms)', S3_DEFAULTS.requestTimeoutMs, 1, 3_600_000),
    maxConnections: int('Sockets kept open', S3_DEFAULTS.maxConnections, 1, 1024),
    maxAttempts: int('Attempts per request, the first included', S3_DEFAULTS.maxAttempts, 1, 20),
    storageClass: str('StorageClass of every object written'),
    sse: str('Server-side encryption', { enum: ['AES256', 'aws:kms'] }),
    sseKmsKeyId: str("KMS key id for sse 'aws:kms'"),
    sseCustomerKey: str('SSE-C key (raw string, 32 bytes for AES256); needs sseCustomerAlgorithm', { secret: true }),
    sseCustomerAlgorithm: str('SSE-C algorithm (AES256); needs sseCustomerKey', { enum: ['AES256'] }),
    createBucket: bool('Create a missing bucket', S3_DEFAULTS.createBucket),
    checksumMode: str('When the SDK adds flexible checksums', {
      default: S3_DEFAULTS.checksumMode,
      enum: ['WHEN_REQUIRED', 'WHEN_SUPPORTED'],
    }),
    multipartThreshold: int('Objects larger than this go multipart (bytes)', S3_DEFAULTS.multipartThreshold, 0, MAX_PART_SIZE),
    partSize: int('Multipart part size (bytes)', S3_DEFAULTS.partSize, MIN_PART_SIZE, MAX_PART_SIZE),
    partConcurrency: int('Parts of one object uploaded at once', S3_DEFAULTS.partConcurrency, 1, 64),
    maxConcurrency: int('Transfers the engine may run at once', S3_DEFAULTS.maxConcurrency, 1, 256),
    availabilityZone: str("Cinder's storage_availability_zone, part of object names", { default: S3_DEFAULTS.availabilityZone }),
    listPageSize: int('MaxKeys of each listing page', S3_DEFAULTS.listPageSize, 1, 1000),
  },
};

type Props = typeof s3ConfigSchema.properties;
const FIELDS = Object.keys(s3ConfigSchema.properties) as (keyof S3StoreConfig)[];

/**
 * Validates untyped input (a parsed JSON file, CLI flags, {@link s3ConfigFromUrl}) into an
 * {@link S3StoreConfig}. Throws a ConfigError naming the field at fault; unknown fields are
 * refused so typos show. Integer and boolean fields also accept their string forms (`"8"`,
 * `"true"`), as they come from URLs and environment variables.
 */
export function parseS3Config(input: unknown): S3StoreConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError('s3: config must be an object');
  }
  const raw = input as Record<string, unknown>;
  const known = new Set<string>(FIELDS);
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) throw new ConfigError(`s3: unknown config field ${JSON.stringify(key)}`, key);
  }

  const out: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const value = coerce(field, raw[field], s3ConfigSchema.properties);
    if (value !== undefined) out[field] = value;
  }
  const config = out as unknown as S3StoreConfig;

  if (config.bucket === undefined) throw new ConfigError('s3: bucket is required', 'bucket');
  checkBucketName(config.bucket);
  if (config.keyPrefix !== undefined) {
    const trimmed = config.keyPrefix.replace(/^\/+|\/+$/g, '');
    if (trimmed === '') delete config.keyPrefix;
    else config.keyPrefix = checkNamePart('keyPrefix', trimmed, MAX_KEY_PREFIX_BYTES);
  }
  if (config.availabilityZone !== undefined) {
    checkNamePart('availabilityZone', config.availabilityZone, MAX_AVAILABILITY_ZONE_BYTES);
    if (config.availabilityZone.includes('/')) throw new ConfigError('s3: availabilityZone must not contain "/"', 'availabilityZone');
  }
  if (config.endpoint !== undefined) checkEndpoint(config.endpoint);
  if (config.proxy !== undefined) checkProxy(config.proxy);
  if ((config.accessKeyId === undefined) !== (config.secretAccessKey === undefined)) {
    const missing = config.accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey';
    throw new ConfigError('s3: accessKeyId and secretAccessKey must be given together', missing);
  }
  if (config.sessionToken !== undefined && config.accessKeyId === undefined) {
    throw new ConfigError('s3: sessionToken needs accessKeyId and secretAccessKey', 'sessionToken');
  }
  if (config.sseKmsKeyId !== undefined && config.sse !== 'aws:kms') {
    throw new ConfigError("s3: sseKmsKeyId needs sse 'aws:kms'", 'sseKmsKeyId');
  }
  // Cinder only turns SSE-C on when both options are set; a lone one is almost surely a
  // mistake that would store unencrypted data, so it is refused here rather than ignored.
  if ((config.sseCustomerKey === undefined) !== (config.sseCustomerAlgorithm === undefined)) {
    const missing = config.sseCustomerKey === undefined ? 'sseCustomerKey' : 'sseCustomerAlgorithm';
    throw new ConfigError('s3: sseCustomerKey and sseCustomerAlgorithm must be given together', missing);
  }
  if (config.sseCustomerKey !== undefined) {
    if (Buffer.byteLength(config.sseCustomerKey, 'utf8') !== 32) {
      throw new ConfigError('s3: sseCustomerKey must be 32 bytes long for AES256', 'sseCustomerKey');
    }
    if (config.sse !== undefined) {
      throw new ConfigError('s3: sse and sseCustomerKey exclude each other', 'sse');
    }
  }
  return config;
}

function coerce(field: keyof S3StoreConfig, value: unknown, props: Props): unknown {
  if (value === undefined || value === null) return undefined;
  const prop = props[field];
  if (prop.type === 'string') {
    if (typeof value !== 'string' || value === '') throw new ConfigError(`s3: ${field} must be a non-empty string`, field);
    if (prop.enum !== undefined && !prop.enum.includes(value)) {
      throw new ConfigError(`s3: ${field} must be one of ${prop.enum.join(', ')}`, field);
    }
    return value;
  }
  if (prop.type === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    throw new ConfigError(`s3: ${field} must be a boolean`, field);
  }
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  const min = prop.minimum ?? 0;
  const max = prop.maximum ?? Number.MAX_SAFE_INTEGER;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`s3: ${field} must be an integer from ${min} to ${max}`, field);
  }
  return n;
}

/** Loose S3 rules: enough to catch typos and URL mistakes, lenient for non-AWS servers. */
function checkBucketName(bucket: string): void {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]{1,254}$/.test(bucket)) {
    throw new ConfigError(
      `s3: bucket ${JSON.stringify(bucket)} is not a valid bucket name (letters, digits, '.', '-', '_'; 2 to 255 characters)`,
      'bucket',
    );
  }
}

/** A part of every object key: bounded, so a key never outgrows S3's 1024 bytes, and printable. */
function checkNamePart(field: 'keyPrefix' | 'availabilityZone', value: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > maxBytes) throw new ConfigError(`s3: ${field} is ${bytes} bytes long, more than the ${maxBytes} allowed`, field);
  if (hasUnprintable(value)) throw new ConfigError(`s3: ${field} contains a control, format or line-separator character`, field);
  return value;
}

// The URLs below are quoted redacted, and their parse errors are not kept as causes: those
// carry the whole input, a proxy's password included.

function checkEndpoint(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigError(`s3: endpoint ${JSON.stringify(redactTarget(endpoint, s3ConfigSchema))} is not a URL`, 'endpoint');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`s3: endpoint must be an http or https URL, got ${url.protocol}`, 'endpoint');
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError('s3: endpoint must not hold a user name or password: give accessKeyId and secretAccessKey', 'endpoint');
  }
}

function checkProxy(proxy: string): void {
  let url: URL;
  try {
    url = new URL(proxy);
  } catch {
    throw new ConfigError(`s3: proxy ${JSON.stringify(redactTarget(proxy, s3ConfigSchema))} is not a URL`, 'proxy');
  }
  if (url.protocol !== 'http:') {
    throw new ConfigError(`s3: proxy must be an http:// URL (requests are tunnelled with CONNECT), got ${url.protocol}`, 'proxy');
  }
}

/**
 * Config from a target such as `s3://bucket/optional/prefix?endpoint=http://127.0.0.1:8080&region=us-east-1&forcePathStyle=true`.
 * The host is the bucket, the path the key prefix, and every query parameter a config field.
 * Credentials are best left to the environment rather than put in a URL.
 */
export function s3ConfigFromUrl(url: string | URL): S3StoreConfig {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    throw new ConfigError(`s3: not a valid URL: ${redactTarget(String(url), s3ConfigSchema)}`, 'bucket');
  }
  if (parsed.protocol !== 's3:') throw new ConfigError(`s3: expected an s3: URL, got ${parsed.protocol}`, 'bucket');
  if (parsed.username !== '' || parsed.password !== '') {
    throw new ConfigError('s3: put credentials in the config or the environment, not in the URL', 'accessKeyId');
  }
  const input: Record<string, unknown> = {};
  // For non-special schemes the WHATWG parser keeps the host's case and percent-escapes.
  if (parsed.hostname !== '') input['bucket'] = decodeURIComponent(parsed.hostname);
  const keyPrefix = decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, '');
  if (keyPrefix !== '') input['keyPrefix'] = keyPrefix;
  for (const [key, value] of parsed.searchParams) {
    if (key === 'bucket' || key === 'keyPrefix') {
      throw new ConfigError(`s3: give ${key} in the URL itself (s3://bucket/prefix), not as a query parameter`, key);
    }
    input[key] = value;
  }
  return parseS3Config(input);
}
