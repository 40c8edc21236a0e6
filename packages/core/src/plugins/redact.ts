import type { JsonSchema } from './brand.js';

/** What a secret is replaced with wherever a target, a config or a message is printed. */
export const REDACTED = '***';

/**
 * Field names that hold a secret whatever a schema says: for a driver that forgot to mark one,
 * and for a target no driver has parsed yet (it does not even parse as a URL).
 */
const SECRET_NAME = /(secret|passw(or)?d|token|credentials?|auth(orization)?|key)$/i;

/** `scheme://user:password@`, the user-info of a URL, matched as text so unparseable targets are covered. */
// The password runs to the last `@` before the path, as the WHATWG parser reads it.
const USER_INFO = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^/?#@:]*:)([^/?#]*)@/;

/** Secrets shorter than this are not scrubbed out of free text: every `x` of a message would go. */
const MIN_SCRUBBED_LENGTH = 3;

/** The fields a driver's config schema (a {@link DriverConfigSchema}) marks `secret: true`. */
export function secretFieldNames(schema: JsonSchema | undefined): Set<string> {
  const names = new Set<string>();
  const properties = schema?.properties;
  if (typeof properties !== 'object' || properties === null) return names;
  for (const [name, prop] of Object.entries(properties as Record<string, unknown>)) {
    if (typeof prop === 'object' && prop !== null && (prop as { secret?: unknown }).secret === true) names.add(name);
  }
  return names;
}

/** True when a config field or URL query parameter of this name holds a secret. */
export function isSecretField(name: string, schema?: JsonSchema): boolean {
  return secretFieldNames(schema).has(name) || SECRET_NAME.test(name);
}

/** `url` with the password of its user-info replaced; anything else unchanged. */
function redactUserInfo(url: string): string {
  return url.replace(USER_INFO, (_all, scheme: string, user: string) => `${scheme}${user}${REDACTED}@`);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * A target (`s3://bucket/p?secretAccessKey=…`, a path, anything a user typed) fit to print: the
 * password of its user-info, every query parameter that is a secret field (by `schema`, or by
 * name), and the password of any URL given as a query value are replaced by {@link REDACTED}.
 * Works on the text, so a target that does not parse as a URL is redacted too.
 */
export function redactTarget(target: string, schema?: JsonSchema): string {
  const q = target.indexOf('?');
  const head = redactUserInfo(q < 0 ? target : target.slice(0, q));
  if (q < 0) return head;
  const rest = target.slice(q + 1);
  const hash = rest.indexOf('#');
  const query = hash < 0 ? rest : rest.slice(0, hash);
  const fragment = hash < 0 ? '' : rest.slice(hash);
  const pairs = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) return pair;
    const key = pair.slice(0, eq);
    const value = decode(pair.slice(eq + 1));
    if (isSecretField(decode(key), schema)) return `${key}=${REDACTED}`;
    const nested = redactUserInfo(value);
    return nested === value ? pair : `${key}=${encodeURIComponent(nested)}`;
  });
  return `${head}?${pairs.join('&')}${fragment}`;
}

/**
 * A copy of a driver config fit to print: secret fields (by `schema`, or by name) and the
 * password of any URL-valued string (`endpoint`, `proxy`) are replaced by {@link REDACTED}.
 */
export function redactConfig<T>(config: T, schema?: JsonSchema): T {
  if (typeof config === 'string') return redactUserInfo(config) as T;
  if (typeof config !== 'object' || config === null) return config;
  if (Array.isArray(config)) return config.map((v: unknown) => redactConfig(v, schema)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    out[key] = value !== undefined && value !== null && isSecretField(key, schema) ? REDACTED : redactConfig(value, schema);
  }
  return out as T;
}

/**
 * The secret values a target or a config carries (both as written and decoded), so that
 * {@link scrubSecrets} can take them out of messages that were not built to be printed.
 */
export function secretsOf(source: unknown, schema?: JsonSchema): string[] {
  const found = new Set<string>();
  const add = (value: string): void => {
    found.add(value);
    found.add(decode(value));
  };
  const fromUrl = (text: string): void => {
    const m = USER_INFO.exec(text);
    if (m?.[3]) add(m[3]);
  };
  if (typeof source === 'string') {
    fromUrl(source);
    const q = source.indexOf('?');
    if (q >= 0) {
      for (const pair of (source.slice(q + 1).split('#')[0] ?? '').split('&')) {
        const eq = pair.indexOf('=');
        if (eq < 0) continue;
        const value = pair.slice(eq + 1);
        if (isSecretField(decode(pair.slice(0, eq)), schema)) add(value);
        else fromUrl(decode(value));
      }
    }
  } else if (typeof source === 'object' && source !== null) {
    for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
      if (typeof value === 'string' && isSecretField(key, schema)) add(value);
      else if (typeof value === 'string') fromUrl(value);
      else if (typeof value === 'object' && value !== null) for (const s of secretsOf(value, schema)) found.add(s);
    }
  }
  return [...found].filter((s) => s.length >= MIN_SCRUBBED_LENGTH);
}

/**
 * `text` with every occurrence of each secret replaced by {@link REDACTED}: as given,
 * percent-encoded, and escaped as in JSON. The last line of defence for messages that quote a
 * target or a config their author did not redact.
 */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SCRUBBED_LENGTH) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  // Longest first: a secret that contains another is replaced whole.
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    if (form.length >= MIN_SCRUBBED_LENGTH) out = out.split(form).join(REDACTED);
  }
  return out;
}

/**
 * `err` with its message (and stack) scrubbed of `secrets`, keeping its class and code: typed
 * errors stay typed.
 */
export function scrubError<E>(err: E, secrets: readonly string[]): E {
  if (secrets.length === 0 || !(err instanceof Error)) return err;
  err.message = scrubSecrets(err.message, secrets);
  if (typeof err.stack === 'string') err.stack = scrubSecrets(err.stack, secrets);
  return err;
}
