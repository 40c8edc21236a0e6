import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { VolbackError } from '../src/errors.js';
import { identifierProblem, type IdentifierKind } from '../src/ids.js';
import { decodeBackupRecord, encodeBackupRecord, type DecodedBackupRecord } from '../src/record-string.js';
import { FIXTURES_DIR } from './fixtures.js';

// Property-based: generated and mutated export records (base64 of JSON) fed to decodeBackupRecord.
// Whatever comes in, the outcome is a typed VolbackError or a record whose ids, container and
// prefix follow the rules of ids.ts; never another exception. Runs add up to more than 10 000.

const RUNS = 2500;

/** The decoder's outcome: 'refused' for a typed error; any other exception fails the property. */
function decodeOrRefuse(text: string): DecodedBackupRecord | 'refused' {
  try {
    return decodeBackupRecord(text);
  } catch (err) {
    if (err instanceof VolbackError && err.code === 'E_INVALID_BACKUP') return 'refused';
    throw err;
  }
}

/** A decoded record's names follow the rules, and it encodes back to a record that decodes the same. */
function expectValid(decoded: DecodedBackupRecord): void {
  const { record } = decoded;
  const named: [IdentifierKind, string | null][] = [
    ['backup id', record.id],
    ['volume id', record.volumeId],
    ['parent id', record.parentId],
    ['container', record.container],
    ['prefix', record.serviceMetadata],
  ];
  for (const [kind, value] of named) {
    if (value === null && kind !== 'backup id' && kind !== 'volume id') continue;
    expect(identifierProblem(kind, value), `${kind} ${JSON.stringify(value)?.slice(0, 80)}`).toBeNull();
  }
  const again = decodeBackupRecord(encodeBackupRecord(record, decoded.driverInfo)).record;
  expect([again.id, again.volumeId, again.parentId, again.container, again.serviceMetadata]).toEqual([
    record.id,
    record.volumeId,
    record.parentId,
    record.container,
    record.serviceMetadata,
  ]);
}

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** Values an attacker (or bit rot) would put in a field. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    '',
    '.',
    '..',
    '../../etc/passwd',
    '/abs/olute',
    'a/b',
    'a\\b',
    'x_backup_y',
    'line\nbreak',
    'cr\rlf',
    '\u001b[2J\u001b[31mred',
    '\u001b]0;title\u0007',
    'nul\u0000byte',
    'bidi\u202eevil',
    'sep\u2028line',
    'lone\ud800surrogate',
    'v'.repeat(101),
    'v'.repeat(300),
    'v'.repeat(5000),
    'é'.repeat(60),
    null,
    0,
    -1,
    1.5,
    true,
    [],
    {},
    ['a'],
    { a: 'b' },
  ),
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.string({ unit: 'grapheme', maxLength: 120 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
);

const FIELDS = [
  'id',
  'volume_id',
  'parent_id',
  'container',
  'service_metadata',
  'display_name',
  'display_description',
  'size',
  'object_count',
  'created_at',
  'data_timestamp',
  'status',
  'driver_info',
  'metadata',
  'service',
  'availability_zone',
];

let records: Record<string, unknown>[];
beforeAll(async () => {
  const doc = JSON.parse(await readFile(join(FIXTURES_DIR, 'export-record.json'), 'utf8')) as {
    exported: Record<string, { backup_url: string }>;
  };
  records = Object.values(doc.exported).map(
    (e) => JSON.parse(Buffer.from(e.backup_url, 'base64').toString('utf8')) as Record<string, unknown>,
  );
});

/** One of the fixture records (Cinder's own export), as a JSON object to mutate. */
const fixtureRecord = (): fc.Arbitrary<Record<string, unknown>> => fc.nat({ max: records.length - 1 }).map((i) => ({ ...records[i] }));

describe('decodeBackupRecord on hostile export records', () => {
  it("decodes Cinder's own records", () => {
    for (const r of records) expectValid(decodeBackupRecord(base64(JSON.stringify(r))));
  });

  it('with fields replaced by hostile values: a typed error, or a record that follows the rules', () => {
    fc.assert(
      fc.property(
        fixtureRecord(),
        fc.array(fc.tuple(fc.constantFrom(...FIELDS), hostileValue), { minLength: 1, maxLength: 4 }),
        (rec, changes) => {
          for (const [field, value] of changes) rec[field] = value;
          const out = decodeOrRefuse(base64(JSON.stringify(rec)));
          if (out !== 'refused') expectValid(out);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('with fields removed or added: a typed error, or a record that follows the rules', () => {
    fc.assert(
      fc.property(
        fixtureRecord(),
        fc.subarray(FIELDS),
        fc.dictionary(fc.string({ maxLength: 12 }), hostileValue, { maxKeys: 4 }),
        (rec, removed, added) => {
          for (const field of removed) delete rec[field];
          const out = decodeOrRefuse(base64(JSON.stringify({ ...rec, ...added })));
          if (out !== 'refused') expectValid(out);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('with the JSON text mutated (characters replaced, inserted, deleted, cut): never another exception', () => {
    const mutation = fc.record({
      at: fc.nat(),
      kind: fc.constantFrom('replace', 'insert', 'delete', 'cut'),
      char: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
    });
    fc.assert(
      fc.property(fixtureRecord(), fc.array(mutation, { minLength: 1, maxLength: 8 }), (rec, mutations) => {
        let text = JSON.stringify(rec);
        for (const m of mutations) {
          const at = m.at % (text.length + 1);
          if (m.kind === 'replace') text = text.slice(0, at) + m.char + text.slice(at + 1);
          else if (m.kind === 'insert') text = text.slice(0, at) + m.char + text.slice(at);
          else if (m.kind === 'delete') text = text.slice(0, at) + text.slice(at + m.char.length);
          else text = text.slice(0, at);
        }
        const out = decodeOrRefuse(base64(text));
        if (out !== 'refused') expectValid(out);
      }),
      { numRuns: RUNS },
    );
  });

  it('with the base64 text mutated, or not base64 at all: never another exception', () => {
    const b64chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';
    fc.assert(
      fc.property(
        fixtureRecord(),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: b64chars.length - 1 })), { minLength: 1, maxLength: 6 }),
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.boolean(),
        (rec, flips, junk, appendJunk) => {
          const chars = [...base64(JSON.stringify(rec))];
          for (const [at, c] of flips) chars[at % chars.length] = b64chars[c] as string;
          const out = decodeOrRefuse(chars.join('') + (appendJunk ? junk : ''));
          if (out !== 'refused') expectValid(out);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('with any JSON value as the whole record: never another exception', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const out = decodeOrRefuse(base64(JSON.stringify(value) ?? 'null'));
        if (out !== 'refused') expectValid(out);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a record past the size bound before decoding it', () => {
    expect(decodeOrRefuse('A'.repeat(2 * 1024 * 1024))).toBe('refused');
  });
});
