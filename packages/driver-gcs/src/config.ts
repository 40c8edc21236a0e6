import { hasUnprintable, z } from '@volback/core/driver';

const MiB = 1024 * 1024;

/**
 * The largest object sent in its one upload request by default. Every object goes up in a single
 * request (see gcs-upload.ts), so a failed upload resends the whole object and the object is
 * held in memory whole; GCS itself takes single requests up to its 5 TiB object limit. 256 MiB is
 * also the largest object size volback writes backups with.
 */
export const DEFAULT_MAX_UPLOAD_BYTES = 256 * MiB;
/**
 * Bytes of `keyPrefix`. A GCS object name holds 1024 bytes of UTF-8; volback's object names take
 * at most 255 (a 244-byte prefix, the bound of core's ids.ts, and `_sha256file`), and a `/` joins the two.
 */
export const MAX_KEY_PREFIX_BYTES = 1024 - 255 - 1;
/** Bytes of `availabilityZone`, which is part of every object name; Cinder's default is `nova`. */
export const MAX_AVAILABILITY_ZONE_BYTES = 64;

const bytesAtMost = (max: number) => (v: string) => Buffer.byteLength(v, 'utf8') <= max;
const printable = (v: string) => !hasUnprintable(v);
const whole = (description: string, byDefault: number, min: number, max: number) =>
  z.number().int().min(min).max(max).default(byDefault).describe(description);

const httpUrl = z
  .string()
  .refine((v) => ['http:', 'https:'].includes(URL.parse(v)?.protocol ?? ''), 'must be an http or https URL')
  .refine((v) => URL.parse(v)?.username === '' && URL.parse(v)?.password === '', 'must not hold a user name or password');

/**
 * The GCS driver's config, declared once: its type (defaults applied), validation, JSON Schema
 * and secrets all come from here. Cinder's names, where it has the option, are in each description.
 */
export const gcsConfig = z
  .strictObject({
    bucket: z
      .string()
      // GCS's rules, loosely: lower case, digits, '-', '_', '.'; 3 to 222 characters.
      .regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, "is not a valid bucket name (a-z, 0-9, '.', '-', '_'; 3 to 222 characters)")
      .describe("Default bucket (Cinder's backup_gcs_bucket); a backup's own container wins"),
    keyPrefix: z
      .string()
      .overwrite((v) => v.replace(/^\/+|\/+$/g, ''))
      .refine(bytesAtMost(MAX_KEY_PREFIX_BYTES), `must be at most ${MAX_KEY_PREFIX_BYTES} bytes long`)
      .refine(printable, 'must not contain a control, format or line-separator character')
      .describe(
        "Name prefix before every object name (leading and trailing / are dropped). Our extension, not Cinder's: " +
          "real Cinder's GCS driver cannot restore a backup stored under a prefix",
      )
      .optional(),
    projectId: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.:-]{0,127}$/, 'is not a valid project id')
      .describe(
        "Project id (Cinder's backup_gcs_project_id); else env GOOGLE_CLOUD_PROJECT, else the key's project_id. " +
          'Never looked up from a metadata server',
      )
      .optional(),
    endpoint: httpUrl.describe('API endpoint URL (an emulator, a private endpoint); https://storage.googleapis.com when unset').optional(),
    keyFilename: z
      .string()
      .min(1)
      .describe("Service-account key file (Cinder's backup_gcs_credential_file); else env GOOGLE_APPLICATION_CREDENTIALS")
      .optional(),
    credentials: z
      .string()
      .min(1)
      .meta({ description: 'Service-account key as inline JSON (the content of a key file)', secret: true })
      .optional(),
    storageClass: z
      .string()
      .regex(/^[A-Z_]+$/, 'must be a storage class such as STANDARD, NEARLINE, COLDLINE or ARCHIVE')
      .default('NEARLINE')
      .describe("Storage class of a bucket volback creates (Cinder's backup_gcs_storage_class)"),
    location: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, 'must be a location such as US, EU or europe-west1')
      .default('US')
      .describe("Location of a bucket volback creates (Cinder's backup_gcs_bucket_location)"),
    createBucket: z.boolean().default(false).describe('Create a missing bucket (with location and storageClass)'),
    maxRetries: whole(
      "Retries of a request on 429, 408, 5xx and dropped connections, with backoff (Cinder's backup_gcs_num_retries)",
      3,
      0,
      20,
    ),
    requestTimeoutMs: whole('Timeout of each request (ms)', 120_000, 1, 3_600_000),
    maxUploadBytes: whole(
      'Largest object volback uploads: each object goes up in one request, whole; lower it for a server with a smaller body limit',
      DEFAULT_MAX_UPLOAD_BYTES,
      1,
      DEFAULT_MAX_UPLOAD_BYTES,
    ),
    maxConcurrency: whole('Transfers the engine may run at once', 8, 1, 256),
    availabilityZone: z
      .string()
      .min(1)
      .refine((v) => !v.includes('/'), 'must not contain "/"')
      .refine(bytesAtMost(MAX_AVAILABILITY_ZONE_BYTES), `must be at most ${MAX_AVAILABILITY_ZONE_BYTES} bytes long`)
      .refine(printable, 'must not contain a control, format or line-separator character')
      .default('nova')
      .describe("Cinder's storage_availability_zone, part of object names"),
    listPageSize: whole('maxResults of each listing page', 1000, 1, 1000),
  })
  .describe("Cinder's GCS backup layout on Google Cloud Storage (or an emulator)")
  .superRefine((c, ctx) => {
    if (c.keyFilename !== undefined && c.credentials !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['credentials'], message: 'give either keyFilename or credentials, not both' });
    }
  });

/** Validated GCS config, every default applied. */
export type GcsConfig = z.output<typeof gcsConfig>;
/** GCS config as written (a file, a URL's query, a host's object), before validation. */
export type GcsConfigInput = z.input<typeof gcsConfig>;
