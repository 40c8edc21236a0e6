import { describe, expect, it } from 'vitest';
import {
  encodeBackupMetadata,
  FORMAT_VERSION,
  parseBackupMetadata,
  type BackupMetadata,
  type ObjectEntry,
} from '../src/format/backup-metadata.js';
import { scanMetadataObjects } from '../src/format/object-list-scan.js';

const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
const parse = (text: string): BackupMetadata => parseBackupMetadata(enc(text), 'P_metadata');

/** What JSON.parse makes of a `_metadata` text's object list, without the scanner. */
function referenceObjects(text: string): ObjectEntry[] {
  const doc = JSON.parse(text) as { objects: Record<string, { offset: number; length: number; md5: string; compression: string }>[] };
  return doc.objects.map((item) => {
    const [name, b] = Object.entries(item)[0] as [string, { offset: number; length: number; md5: string; compression: string }];
    return { name, offset: b.offset, length: b.length, md5: b.md5.toLowerCase(), compression: b.compression };
  });
}

function sample(
  objectCount: number,
  name = (i: number) => `volume_v_20260101000000_backup_b-${String(i + 1).padStart(5, '0')}`,
): BackupMetadata {
  return {
    version: FORMAT_VERSION,
    backupId: 'b',
    volumeId: 'v',
    backupName: 'a "name" with [brackets] and {braces}',
    backupDescription: null,
    createdAt: '2026-01-01 00:00:00+00:00',
    objects: Array.from({ length: objectCount }, (_, i) => ({
      name: name(i),
      offset: i * 65536,
      length: 65536,
      md5: (i * 7919).toString(16).padStart(32, 'a'),
      compression: i % 3 === 0 ? 'zlib' : 'none',
    })),
    parentId: null,
    volumeMeta: '{"version": 2, "objects": []}',
  };
}

/** The document as JSON.stringify lays it out, with each entry's keys in a given order. */
function layout(meta: BackupMetadata, indent: number | string, bodyKeys = ['compression', 'length', 'md5', 'offset']): string {
  const doc = {
    objects: meta.objects.map((o) => ({ [o.name]: Object.fromEntries(bodyKeys.map((k) => [k, o[k as keyof ObjectEntry]])) })),
    version: meta.version,
    backup_id: meta.backupId,
    volume_id: meta.volumeId,
    backup_name: meta.backupName,
    backup_description: meta.backupDescription,
    created_at: meta.createdAt,
    parent_id: meta.parentId,
    volume_meta: meta.volumeMeta,
  };
  return JSON.stringify(doc, null, indent);
}

describe('_metadata object list', () => {
  it("reads Cinder's layout and any other JSON layout to the same entries JSON.parse gives", () => {
    const meta = sample(300);
    const plain = { ...meta, backupName: null, volumeMeta: null };
    const texts: [string, BackupMetadata][] = [
      [new TextDecoder().decode(encodeBackupMetadata(meta)), meta],
      [layout(meta, 0), meta],
      [layout(meta, 4), meta],
      [layout(meta, '\t'), meta],
      [layout(meta, 2, ['offset', 'md5', 'length', 'compression']), meta],
      // Other whitespace around every comma and colon (no string here holds either).
      [layout(plain, 1).replace(/,\n/g, ' ,\r\n\t').replace(/": /g, '" :\t'), plain],
    ];
    for (const [text, from] of texts) {
      const parsed = parse(text);
      expect(parsed.objects).toEqual(referenceObjects(text));
      expect(parsed).toMatchObject({ backupId: 'b', volumeId: 'v', backupName: from.backupName, volumeMeta: from.volumeMeta });
      expect(scanMetadataObjects(text)?.entries).toEqual(referenceObjects(text));
    }
  });

  it('reads names with escapes, numbers in any JSON form, upper-case md5 and extra scalar fields', () => {
    const text = JSON.stringify({
      version: FORMAT_VERSION,
      backup_id: 'b',
      volume_id: 'v',
      objects: [
        {
          'caf\u00e9 "quoted" \\ name/1': {
            compression: 'zstd',
            length: 8.388608e6,
            md5: 'ABCDEF0123456789ABCDEF0123456789',
            offset: 0.0,
            extra: null,
            flag: true,
          },
        },
        { 'tab\tand\nnewline': { compression: '', length: 1, md5: '0123456789abcdef0123456789abcdef', offset: 8388608 } },
      ],
    }).replace('"offset":0', '"offset":0.0');
    expect(parse(text).objects).toEqual(referenceObjects(text));
    expect(parse(text).objects[0]).toMatchObject({ name: 'caf\u00e9 "quoted" \\ name/1', length: 8388608, offset: 0 });
  });

  it('takes the last of repeated "objects" keys, as JSON.parse does, and never one nested elsewhere', () => {
    const one = JSON.stringify(
      sample(1).objects.map((o) => ({ [o.name]: { compression: o.compression, length: o.length, md5: o.md5, offset: o.offset } })),
    );
    const two = JSON.stringify(
      sample(2).objects.map((o) => ({ [o.name]: { compression: o.compression, length: o.length, md5: o.md5, offset: 99 } })),
    );
    const text = `{"version": "1.0.0", "extra_metadata": {"objects": ${two}}, "objects": ${two}, "backup_id": "b", "volume_id": "v", "objects": ${one}}`;
    expect(parse(text).objects).toEqual(referenceObjects(text));
    expect(parse(text).objects).toHaveLength(1);
  });

  it('leaves unusual entries to JSON.parse, which reads them the same', () => {
    const text = layout(sample(3), 2).replace('"compression": "zlib"', '"compression": "zlib", "nested": {"a": [1, 2]}');
    expect(scanMetadataObjects(text)).toBeNull();
    expect(parse(text).objects).toEqual(referenceObjects(text));
  });

  it('refuses a bad list with the errors it always gave, naming the entry', () => {
    const good = layout(sample(3), 2);
    const cases: [string, RegExp][] = [
      [good.replace('"md5": "', '"md5": "z'), /objects\[0\].*"md5"/],
      [good.replace('"offset": 131072', '"offset": -1'), /objects\[2\].*"offset"/],
      [good.replace('"length": 65536', '"length": "65536"'), /objects\[0\].*"length"/],
      [good.replace('"compression": "none"', '"compression": 5'), /objects\[1\].*"compression"/],
      [
        good.replace(/\{\s*"volume_v_20260101000000_backup_b-00002"/, '{"second": {}, "volume_v_20260101000000_backup_b-00002"'),
        /objects\[1\] must have exactly one key/,
      ],
      [good.replace(/"objects": \[[^]*?\n {2}\]/, '"objects": {}'), /"objects" is not a list/],
      [good.replace('backup_b-00001', 'backup_b-\u000100001'), /not valid JSON/],
      [good.replace('"offset": 0', '"offset": 01'), /not valid JSON/],
      [good.slice(0, good.length - 20), /not valid JSON/],
    ];
    for (const [text, message] of cases) {
      expect(text).not.toBe(good);
      expect(() => parse(text)).toThrow(message);
    }
  });

  it('reads a list of 131072 entries (1 TiB in 8 MiB objects) as JSON.parse does', () => {
    const text = layout(sample(131072), 2);
    const parsed = parse(text);
    expect(parsed.objects).toHaveLength(131072);
    expect(parsed.objects.at(-1)).toEqual(referenceObjects(text).at(-1));
  });
});
