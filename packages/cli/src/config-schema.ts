import { z } from 'zod';
import { TARGET_NAME } from './target-name.js';

const optionValue = z.union([z.string(), z.number(), z.boolean()]);

/** One named target: where it is and the driver options over the URL's. */
export const targetSchema = z.strictObject({
  url: z.string().min(1, 'must not be empty'),
  options: z.record(z.string(), optionValue).optional(),
  description: z.string().optional(),
});

/** `volback.config.json`: strict, so a misspelt field is named rather than ignored. */
export const configFileSchema = z.strictObject({
  $schema: z.string().optional(),
  targets: z
    .record(z.string().regex(TARGET_NAME, 'a target name starts with a letter and holds letters, digits, ".", "_" or "-"'), targetSchema)
    .optional(),
  defaults: z
    .strictObject({
      target: z.string().min(1).optional(),
      compression: z.enum(['zstd', 'zlib', 'bz2', 'none']).optional(),
      level: z.number().int().min(-7).max(22).optional(),
      objectSize: z.union([z.string(), z.number().int().positive()]).optional(),
    })
    .optional(),
});

/** The type of {@link targetSchema}. */
export type TargetSchema = typeof targetSchema;
/** The type of {@link configFileSchema}. */
export type ConfigFileSchema = typeof configFileSchema;
