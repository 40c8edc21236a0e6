/**
 * JSON text byte-identical to Python's `json.dumps`, which is what Cinder writes and what its
 * fixtures hold. `JSON.stringify` differs in three ways that matter here: Python escapes every
 * non-ASCII character (`ensure_ascii`), separates with `", "` / `": "` when compact, and may
 * sort keys. Only the value kinds Cinder's files contain are supported.
 */
export type PythonJsonValue =
  | null
  | boolean
  | number
  | string
  | readonly PythonJsonValue[]
  | { readonly [key: string]: PythonJsonValue | undefined };

/** The `json.dumps` arguments Cinder uses, so the same bytes come out as from Cinder. */
export interface PythonDumpsOptions {
  /** `sort_keys=True`. */
  sortKeys?: boolean;
  /** `indent=N`; undefined means one line with `", "` and `": "`. */
  indent?: number;
}

/** Python's `json.dumps(value, sort_keys=?, indent=?)` with the default `ensure_ascii=True`. */
export function pythonJsonDumps(value: PythonJsonValue, options: PythonDumpsOptions = {}): string {
  return encode(value, options, 0);
}

function encode(value: PythonJsonValue | undefined, opts: PythonDumpsOptions, depth: number): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return encodeNumber(value);
  if (typeof value === 'string') return encodeString(value);
  if (Array.isArray(value)) {
    const items = (value as readonly PythonJsonValue[]).map((v) => encode(v, opts, depth + 1));
    return wrap('[', ']', items, opts, depth);
  }
  const obj = value as { readonly [key: string]: PythonJsonValue | undefined };
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
  if (opts.sortKeys) keys.sort(compareCodePoints);
  const items = keys.map((k) => `${encodeString(k)}: ${encode(obj[k], opts, depth + 1)}`);
  return wrap('{', '}', items, opts, depth);
}

function wrap(open: string, close: string, items: string[], opts: PythonDumpsOptions, depth: number): string {
  if (items.length === 0) return open + close;
  if (opts.indent === undefined) return open + items.join(', ') + close;
  const inner = '\n' + ' '.repeat(opts.indent * (depth + 1));
  const outer = '\n' + ' '.repeat(opts.indent * depth);
  return open + inner + items.join(',' + inner) + outer + close;
}

function encodeNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`cannot encode ${n} as JSON`);
  if (Number.isInteger(n)) return String(n);
  // Python prints the shortest repr too; it only differs for exponents, which Cinder never writes.
  return String(n);
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** Printable ASCII without quote or backslash: Python writes it as is. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function encodeString(s: string): string {
  // Hash lists hold thousands of hex strings: skip the per-character walk for plain text.
  if (PLAIN.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    const code = s.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (code < 0x20 || code > 0x7e) out += '\\u' + code.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** Python sorts str keys by code point; JS's default sort compares UTF-16 units. */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done === y.done ? 0 : x.done ? -1 : 1;
    const cx = x.value.codePointAt(0) as number;
    const cy = y.value.codePointAt(0) as number;
    if (cx !== cy) return cx - cy;
  }
}
