import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { ObjectStore } from '../object-store.js';
import { defineDriverPlugin, type DriverPlugin, type JsonSchema } from './brand.js';
import { configErrorOf } from './config-issues.js';
import { configFromUrl, type UrlMapping } from './url-config.js';

/** A driver's config, declared once: a zod object schema (`z.strictObject`, so unknown fields are refused). */
export type ConfigDeclaration = z.ZodObject;

/** What a store driver declares; {@link defineStoreDriver} derives the rest. */
export interface StoreDriverDefinition<Schema extends ConfigDeclaration> {
  /** Driver id; must equal the manifest's `id`. */
  readonly id: string;
  /** URL schemes served when registered without a manifest. */
  readonly schemes?: readonly string[];
  /**
   * The config: types, defaults, bounds, messages, cross-field rules (`.superRefine`), and with
   * `.meta({ secret: true })` the fields that are secrets, redacted wherever config is printed.
   */
  readonly config: Schema;
  /** Which config field each part of a target URL fills; query parameters fill fields by name. */
  readonly url?: UrlMapping;
  /** Builds the store from config that is already validated, with defaults applied. */
  createStore(config: z.output<Schema>): ObjectStore | Promise<ObjectStore>;
}

/**
 * A store driver plugin from one config declaration: `parseConfig` validates once (types,
 * defaults, unknown fields, messages naming the field), `configSchema` is its JSON Schema (for
 * docs and `volback drivers --schema`), `configFromUrl` maps a target by the declared URL parts.
 */
export function defineStoreDriver<Schema extends ConfigDeclaration>(def: StoreDriverDefinition<Schema>): DriverPlugin<z.output<Schema>> {
  const configSchema = z.toJSONSchema(def.config, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const parseConfig = (input: unknown): z.output<Schema> => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ConfigError(`${def.id}: config must be an object`);
    const parsed = def.config.safeParse(input);
    if (!parsed.success) throw configErrorOf(def.id, parsed.error);
    return parsed.data;
  };
  return defineDriverPlugin<z.output<Schema>>({
    id: def.id,
    ...(def.schemes === undefined ? {} : { schemes: def.schemes }),
    configSchema,
    parseConfig,
    configFromUrl: (url) => configFromUrl(def.id, url, def.url ?? {}, configSchema),
    createStore: (config) => def.createStore(config),
  });
}
