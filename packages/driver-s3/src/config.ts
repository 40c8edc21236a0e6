import { hasUnprintable, z } from '@volback/core/driver';

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

const text = (description: string) => z.string().min(1).describe(description);
const secret = (description: string) => z.string().min(1).meta({ description, secret: true });
const int = (description: string, byDefault: number, min: number, max: number) =>
  z.number().int().min(min).max(max).default(byDefault).describe(description);
const flag = (description: string, byDefault: boolean) => z.boolean().default(byDefault).describe(description);

/** A part of every object key: bounded, so a key never outgrows S3's 1024 bytes, and printable. */
const keyPart = (schema: z.ZodString, maxBytes: number) =>
  schema
    .refine((v) => Buffer.byteLength(v, 'utf8') <= maxBytes, `must be at most ${maxBytes} bytes long`)
    .refine((v) => !hasUnprintable(v), 'must not contain a control, format or line-separator character');

/**
 * The S3 driver's config, declared once: its type (defaults applied), validation, JSON Schema
 * and secrets all come from here.
 */
export const s3Config = z
  .strictObject({
    bucket: z
      .string()
      // Loose S3 rules: enough to catch typos and URL mistakes, lenient for non-AWS servers.
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{1,254}$/, "is not a valid bucket name (letters, digits, '.', '-', '_'; 2 to 255 characters)")
      .describe("Default bucket (Cinder's backup_s3_store_bucket); a backup's own container wins"),
    keyPrefix: keyPart(
      z.string().overwrite((v) => v.replace(/^\/+|\/+$/g, '')),
      MAX_KEY_PREFIX_BYTES,
    )
      .describe(
        "Key prefix before every object name (leading and trailing / are dropped). Our extension, not Cinder's: " +
          "real Cinder's S3 driver cannot restore a backup stored under a key prefix",
      )
      .optional(),
    endpoint: z
      .string()
      .refine((v) => ['http:', 'https:'].includes(URL.parse(v)?.protocol ?? ''), 'must be an http or https URL')
      .refine(
        (v) => URL.parse(v)?.username === '' && URL.parse(v)?.password === '',
        'must not hold a user name or password: give accessKeyId and secretAccessKey',
      )
      .describe('Endpoint URL (http or https); AWS when unset')
      .optional(),
    region: text('Signing region').default('us-east-1'),
    accessKeyId: text('Access key id; the SDK default chain (env, profile, ...) when unset').optional(),
    secretAccessKey: secret('Secret access key').optional(),
    sessionToken: secret('Session token of temporary credentials').optional(),
    profile: text('Shared config profile for the SDK default credential chain').optional(),
    forcePathStyle: flag('Path-style addressing (endpoint/bucket/key), as most non-AWS servers need', false),
    tlsVerify: flag("Verify the server's TLS certificate", true),
    caFile: text("PEM file of extra CAs to trust (Cinder's backup_s3_ca_cert_file)").optional(),
    proxy: z
      .string()
      .refine((v) => URL.parse(v)?.protocol === 'http:', 'must be an http:// URL (requests are tunnelled with CONNECT)')
      .describe(
        'http:// proxy URL, with user:password@ for Basic auth (the password is never printed); requests are tunnelled with CONNECT',
      )
      .optional(),
    connectTimeoutMs: int('Connect timeout (ms)', 10_000, 1, 600_000),
    requestTimeoutMs: int('Socket idle timeout per request (ms)', 120_000, 1, 3_600_000),
    maxConnections: int('Sockets kept open', 50, 1, 1024),
    maxAttempts: int('Attempts per request, the first included (the SDK retries; 4 as Cinder)', 4, 1, 20),
    storageClass: text('StorageClass of every object written, e.g. STANDARD_IA').optional(),
    sse: z.enum(['AES256', 'aws:kms']).describe('Server-side encryption with keys the server manages').optional(),
    sseKmsKeyId: text("KMS key id for sse 'aws:kms'").optional(),
    sseCustomerKey: secret(
      "SSE-C key as a raw string, 32 bytes for AES256 (Cinder's backup_s3_sse_customer_key); needs sseCustomerAlgorithm",
    ).optional(),
    sseCustomerAlgorithm: z.enum(['AES256']).describe('SSE-C algorithm; needs sseCustomerKey').optional(),
    createBucket: flag('Create a missing bucket', false),
    // See s3-client.ts for why WHEN_REQUIRED is the default.
    checksumMode: z.enum(['WHEN_REQUIRED', 'WHEN_SUPPORTED']).default('WHEN_REQUIRED').describe('When the SDK adds flexible checksums'),
    multipartThreshold: int('Objects larger than this go multipart (bytes)', 64 * MiB, 0, MAX_PART_SIZE),
    partSize: int(
      'Multipart part size (bytes; raised when an object would need more than 10 000 parts)',
      16 * MiB,
      MIN_PART_SIZE,
      MAX_PART_SIZE,
    ),
    partConcurrency: int('Parts of one object uploaded at once', 4, 1, 64),
    maxConcurrency: int('Transfers the engine may run at once', 8, 1, 256),
    availabilityZone: keyPart(
      z
        .string()
        .min(1)
        .refine((v) => !v.includes('/'), 'must not contain "/"'),
      MAX_AVAILABILITY_ZONE_BYTES,
    )
      .describe("Cinder's storage_availability_zone, part of object names")
      .default('nova'),
    listPageSize: int('MaxKeys of each listing page', 1000, 1, 1000),
  })
  .describe("Cinder's S3 backup layout on any S3-compatible object store")
  .superRefine((c, ctx) => {
    const fail = (path: string, message: string): void => void ctx.addIssue({ code: 'custom', path: [path], message });
    if ((c.accessKeyId === undefined) !== (c.secretAccessKey === undefined)) {
      fail(c.accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey', 'accessKeyId and secretAccessKey must be given together');
    }
    if (c.sessionToken !== undefined && c.accessKeyId === undefined) fail('sessionToken', 'needs accessKeyId and secretAccessKey');
    if (c.sseKmsKeyId !== undefined && c.sse !== 'aws:kms') fail('sseKmsKeyId', "needs sse 'aws:kms'");
    // Cinder only turns SSE-C on when both options are set; a lone one is almost surely a
    // mistake that would store unencrypted data, so it is refused here rather than ignored.
    if ((c.sseCustomerKey === undefined) !== (c.sseCustomerAlgorithm === undefined)) {
      fail(
        c.sseCustomerKey === undefined ? 'sseCustomerKey' : 'sseCustomerAlgorithm',
        'sseCustomerKey and sseCustomerAlgorithm must be given together',
      );
    }
    if (c.sseCustomerKey !== undefined && Buffer.byteLength(c.sseCustomerKey, 'utf8') !== 32)
      fail('sseCustomerKey', 'must be 32 bytes long for AES256');
    if (c.sseCustomerKey !== undefined && c.sse !== undefined) fail('sse', 'sse and sseCustomerKey exclude each other');
  });

/** Validated S3 config, every default applied. */
export type S3Config = z.output<typeof s3Config>;
/** S3 config as written (a file, a URL's query, a host's object), before validation. */
export type S3ConfigInput = z.input<typeof s3Config>;
