import { z } from 'zod';
import { hasUnprintable } from '../ids.js';

/** `schema`, refused when longer than `maxBytes` in UTF-8 (so a key never outgrows the store's limit) or unprintable. */
function keyPart(schema: z.ZodString, maxBytes: number) {
  return schema
    .refine((v) => Buffer.byteLength(v, 'utf8') <= maxBytes, `must be at most ${maxBytes} bytes long`)
    .refine((v) => !hasUnprintable(v), 'must not contain a control, format or line-separator character');
}

/**
 * Builders of the config fields drivers keep declaring alike, to use inside a driver's
 * `z.strictObject`: a secret, a bounded integer, a flag, and the parts of every object key
 * (bounded in bytes, printable), among them Cinder's availability zone.
 */
export const configField = {
  /** A non-empty string marked secret: redacted wherever config is printed. */
  secret: (description: string) => z.string().min(1).meta({ description, secret: true }),
  /** An integer bounded by `min` and `max`, with a default: a bound in the schema shows in `volback drivers`. */
  int: (description: string, byDefault: number, min: number, max: number) =>
    z.number().int().min(min).max(max).default(byDefault).describe(description),
  /** A boolean with a default, so a URL query can set it (`?fsync=false`). */
  flag: (description: string, byDefault: boolean) => z.boolean().default(byDefault).describe(description),
  /** `schema`, bounded in UTF-8 bytes and printable: for a field that goes into every object name. */
  keyPart,
  /** Cinder's `storage_availability_zone`, part of every object name of the object-store layout; default `nova`. */
  availabilityZone: (maxBytes: number) =>
    keyPart(
      z
        .string()
        .min(1)
        .refine((v) => !v.includes('/'), 'must not contain "/"'),
      maxBytes,
    )
      .describe("Cinder's storage_availability_zone, part of object names")
      .default('nova'),
};
