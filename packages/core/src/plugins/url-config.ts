import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import type { JsonSchema } from './brand.js';
import { redactTarget } from './redact.js';

/**
 * Which config field each part of a target URL fills. Every query parameter fills the field
 * of its name; each text is coerced to the field's JSON Schema type (integer, number, boolean).
 */
export interface UrlMapping {
  /** The host: a bucket, a server, an account (percent-decoded). */
  readonly host?: string;
  /** The port, coerced like a query parameter (usually to an integer field). */
  readonly port?: string;
  /** The user name before `@` (percent-decoded). */
  readonly username?: string;
  /** A secret: a driver that maps it marks the field `secret` in its schema. */
  readonly password?: string;
  /**
   * The path: `key` for a key prefix (decoded, without leading or trailing `/`, left out when
   * empty), `path` for a remote absolute path (decoded), `local` for a local path (`file:` URLs).
   */
  readonly path?: {
    /** The config field the path fills. */
    readonly field: string;
    /** How the path is read, one of the three forms above. */
    readonly as: 'key' | 'path' | 'local';
  };
}

/**
 * Raw config from a target URL, by `mapping`, for the driver's schema to validate.
 * @throws ConfigError for a URL part the driver does not map (credentials in an `s3:` URL), a
 * field given twice (in the path and the query), or a `file:` URL that is no local path.
 */
export function configFromUrl(driverId: string, url: URL, mapping: UrlMapping, schema: JsonSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const fail = (message: string, field?: string): never => {
    throw new ConfigError(`${driverId}: ${message} (in ${redactTarget(url.href, schema)})`, field);
  };
  const set = (field: string | undefined, value: string, part: string): void => {
    if (value === '') return;
    if (field === undefined) fail(`the URL's ${part} has no meaning for this driver`);
    out[field as string] = coerce(value, properties[field as string]);
  };
  // A local path's host (`file://localhost/srv`) is part of the path: fileURLToPath reads and checks it.
  if (mapping.path?.as !== 'local') set(mapping.host, decode(url.hostname), 'host');
  set(mapping.port, url.port, 'port');
  if ((url.username !== '' || url.password !== '') && mapping.username === undefined) {
    fail('put credentials in the config or the environment, not in the URL', 'username');
  }
  set(mapping.username, decode(url.username), 'user name');
  set(mapping.password, decode(url.password), 'password');
  const path = mapping.path;
  if (path?.as === 'local') {
    try {
      out[path.field] = fileURLToPath(url);
    } catch (err) {
      fail(`not a local path: ${err instanceof Error ? err.message : String(err)}`, path.field);
    }
  } else if (path !== undefined) {
    const decoded = decode(url.pathname);
    set(path.field, path.as === 'key' ? decoded.replace(/^\/+|\/+$/g, '') : decoded, 'path');
  } else if (url.pathname !== '' && url.pathname !== '/') {
    fail("the URL's path has no meaning for this driver");
  }
  for (const [key, value] of url.searchParams) {
    if (key in out) fail(`${key} is given twice: by the URL itself and as a query parameter`, key);
    out[key] = coerce(value, properties[key]);
  }
  return out;
}

/** A query parameter's text as the type its field declares; left as text when the field takes several. */
function coerce(text: string, property: JsonSchema | undefined): unknown {
  const type = property?.type;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (type === 'boolean') {
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
  }
  return text;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
