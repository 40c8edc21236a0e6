import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeBackupMetadata, headerDocument, parseBackupMetadata } from '../src/format/backup-metadata.js';
import { pythonDatetimeString, parseCinderDatetime } from '../src/format/cinder-datetime.js';
import { pythonJsonDumps } from '../src/format/python-json.js';
import { encodeSha256File, fillSha256Digests, layoutSha256File, parseSha256File } from '../src/format/sha256-file.js';
import { FIXTURES_DIR } from './fixtures.js';

async function fixtureFiles(suffix: string): Promise<string[]> {
  const root = join(FIXTURES_DIR, 'backups');
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(dir, e.name));
      else if (e.name.endsWith(suffix)) out.push(join(dir, e.name));
    }
  };
  await walk(root);
  return out;
}

describe('Cinder metadata files', () => {
  it('re-encodes every fixture _metadata byte for byte', async () => {
    const files = await fixtureFiles('_metadata');
    expect(files.length).toBe(3);
    for (const f of files) {
      const original = await readFile(f);
      const name = f.split('/').pop() as string;
      expect(Buffer.from(encodeBackupMetadata(parseBackupMetadata(original, name))).equals(original)).toBe(true);
    }
  });

  it('re-encodes every fixture _sha256file byte for byte', async () => {
    const files = await fixtureFiles('_sha256file');
    expect(files.length).toBe(3);
    for (const f of files) {
      const original = await readFile(f);
      expect(Buffer.from(encodeSha256File(parseSha256File(original, f))).equals(original)).toBe(true);
    }
  });
});

describe('Python json.dumps layout', () => {
  it('sorts keys, indents by two, escapes non-ASCII, ends without newline', () => {
    const text = pythonJsonDumps({ b: [], a: { z: 'é\u{1F600}"\n\x7f', y: null }, c: {} }, { sortKeys: true, indent: 2 });
    expect(text).toBe('{\n  "a": {\n    "y": null,\n    "z": "\\u00e9\\ud83d\\ude00\\"\\n\\u007f"\n  },\n  "b": [],\n  "c": {}\n}');
  });

  it('writes one line with Python separators when not indented, keeping insertion order', () => {
    expect(pythonJsonDumps({ z: 1, a: [true, false, 'x'] })).toBe('{"z": 1, "a": [true, false, "x"]}');
  });
});

describe('Cinder datetimes', () => {
  it("formats like Python's str(datetime) in UTC", () => {
    expect(pythonDatetimeString(new Date('2024-05-01T12:04:00Z'))).toBe('2024-05-01 12:04:00+00:00');
    expect(pythonDatetimeString(new Date('2024-05-01T12:04:00.123Z'))).toBe('2024-05-01 12:04:00.123000+00:00');
  });

  it('parses both the metadata and the export-record forms', () => {
    expect(parseCinderDatetime('2024-05-01 12:04:00+00:00', 'x').toISOString()).toBe('2024-05-01T12:04:00.000Z');
    expect(parseCinderDatetime('2024-05-01T12:04:00Z', 'x').toISOString()).toBe('2024-05-01T12:04:00.000Z');
    expect(parseCinderDatetime('2024-05-01 12:04:00.123456', 'x').toISOString()).toBe('2024-05-01T12:04:00.123Z');
    expect(() => parseCinderDatetime('yesterday', 'created_at')).toThrow(/created_at: not a datetime/);
  });
});

describe('_metadata validation', () => {
  const valid = {
    version: '1.0.0',
    backup_id: 'b',
    volume_id: 'v',
    objects: [{ 'p-00001': { offset: 0, length: 3, md5: 'ab'.repeat(16), compression: 'zlib' } }],
  };
  const parse = (doc: unknown) => parseBackupMetadata(new TextEncoder().encode(JSON.stringify(doc)), 'p_metadata');

  it('accepts compact JSON with extra keys, as Cinder does', () => {
    const meta = parse({ ...valid, something_new: 1 });
    expect(meta.objects[0]).toMatchObject({ name: 'p-00001', offset: 0, length: 3, compression: 'zlib' });
  });

  it('rejects another format version with E_UNSUPPORTED', () => {
    expect(() => parse({ ...valid, version: '1.0.1' })).toThrow(expect.objectContaining({ code: 'E_UNSUPPORTED' }));
    expect(() => parse({ ...valid, version: '1.0.1' })).toThrow(/version 1\.0\.1/);
  });

  it('rejects malformed object lists with E_INVALID_BACKUP naming the object', () => {
    expect(() => parse({ ...valid, objects: [{ a: {}, b: {} }] })).toThrow(/p_metadata objects\[0\] must have exactly one key/);
    expect(() => parse({ ...valid, objects: [{ a: { offset: -1, length: 1, md5: 'ab'.repeat(16), compression: 'none' } }] })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_BACKUP' }),
    );
    expect(() => parseBackupMetadata(new TextEncoder().encode('{not json'), 'p_metadata')).toThrow(/p_metadata is not valid JSON/);
  });
});

describe('parseSha256File', () => {
  const doc = (sha256s: unknown) => new TextEncoder().encode(JSON.stringify({ chunk_size: 32768, sha256s }));
  const a = 'a'.repeat(64);

  it('reads the hashes, lower-casing any in upper case', () => {
    const mixed = `${'AbCdEf0123456789'.repeat(4)}`;
    expect(parseSha256File(doc([a, mixed]), 'x_sha256file').sha256s.toHex()).toEqual([a, mixed.toLowerCase()]);
    expect(parseSha256File(doc([]), 'x_sha256file').sha256s.toHex()).toEqual([]);
  });

  it.each([
    ['a short hash', [a, 'a'.repeat(63)]],
    ['a long hash', ['a'.repeat(65)]],
    ['a non-hex digit', [`${'a'.repeat(63)}g`]],
    ['a number', [a, 7]],
    ['no list', 'abc'],
  ])('refuses %s with E_INVALID_BACKUP', (_what, list) => {
    expect(() => parseSha256File(doc(list), 'x_sha256file')).toThrow(/x_sha256file has no valid "sha256s" list/);
  });
});

describe('the _sha256file layout', () => {
  const header = {
    version: '1.0.0',
    backupId: 'b',
    volumeId: 'v',
    backupName: 'ünïcode "name"',
    backupDescription: 'looks like \n  "sha256s": [] but is a string',
    createdAt: '2026-11-26 10:00:00.000000',
  };
  const hashes = ['0f', 'a1', '9c'].map((d) => d.repeat(32));
  // The reference: the whole document through the Python-compatible JSON writer.
  const reference = (sha256s: string[]) =>
    new TextEncoder().encode(pythonJsonDumps({ ...headerDocument(header), chunk_size: 32768, sha256s }, { sortKeys: true, indent: 2 }));

  it.each([
    ['no hashes', []],
    ['one hash', hashes.slice(0, 1)],
    ['three hashes', hashes],
    [
      '37 hashes (the layout doubles its items, then copies a remainder)',
      Array.from({ length: 37 }, (_, i) => (i % 256).toString(16).padStart(2, '0').repeat(32)),
    ],
  ])('writes %s byte for byte as json.dumps does', (_what, list) => {
    const layout = layoutSha256File(header, 32768, list.length);
    fillSha256Digests(layout, 0, list);
    const ours = layout.bytes;
    expect(Buffer.from(ours).toString('latin1')).toBe(Buffer.from(reference(list)).toString('latin1'));
    expect(parseSha256File(ours, 'x').sha256s.toHex()).toEqual(list);
  });

  it('reads a list in that layout in any case, as JSON.parse reads the same document', () => {
    const list = [hashes[0] as string, 'Ab'.repeat(32), hashes[2] as string];
    const canonical = parseSha256File(reference(list), 'x');
    const compact = parseSha256File(
      new TextEncoder().encode(JSON.stringify({ ...headerDocument(header), chunk_size: 32768, sha256s: list })),
      'x',
    );
    expect(canonical.sha256s.toHex()).toEqual(list.map((h) => h.toLowerCase()));
    expect(canonical).toEqual(compact);
    expect(canonical.backupDescription).toBe(header.backupDescription);
  });

  it('reads a list laid out otherwise, and refuses a bad digit in either layout', () => {
    const text = Buffer.from(reference(hashes)).toString('latin1');
    const respaced = text.replace(`",\n    "${hashes[1]}`, `", "${hashes[1]}`);
    expect(respaced).not.toBe(text);
    expect(parseSha256File(Buffer.from(respaced, 'latin1'), 'x').sha256s.toHex()).toEqual(hashes);
    for (const bad of [reference([hashes[0] as string, `${'a'.repeat(63)}g`]), Buffer.from(respaced.replace('a1a1', 'a1x1'), 'latin1')]) {
      expect(() => parseSha256File(bad, 'x_sha256file')).toThrow(/x_sha256file has no valid "sha256s" list/);
    }
    expect(() => parseSha256File(Buffer.from(text.slice(0, -10), 'latin1'), 'x_sha256file')).toThrow(/x_sha256file is not valid JSON/);
  });

  it('reads a list longer than the pieces it is decoded in (16384 hashes), and finds a bad digit in any piece', () => {
    const list = Array.from({ length: 20000 }, (_, i) => createHash('sha256').update(String(i)).digest('hex'));
    const layout = layoutSha256File(header, 32768, list.length);
    fillSha256Digests(layout, 0, list);
    expect(parseSha256File(layout.bytes, 'x').sha256s.toHex()).toEqual(list);
    layout.bytes[layout.firstDigestAt + 19000 * 72 + 5] = 0x67; // 'g'
    expect(() => parseSha256File(layout.bytes, 'x_sha256file')).toThrow(/x_sha256file has no valid "sha256s" list/);
  });

  it('refuses a digest that is not 64 characters, or past the layout', () => {
    const layout = layoutSha256File(header, 32768, 2);
    expect(() => fillSha256Digests(layout, 0, ['ab'.repeat(31)])).toThrow(/hash 0 is not 64 characters or does not fit/);
    expect(() => fillSha256Digests(layout, 1, hashes.slice(0, 2))).toThrow(/hash 2 is not 64 characters or does not fit/);
  });
});
