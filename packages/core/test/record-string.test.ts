import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBackupRecord, encodeBackupRecord } from '../src/record-string.js';
import { FIXTURES_DIR } from './fixtures.js';

describe('Cinder export records', () => {
  it('decodes and re-encodes every exported fixture record to the same string', async () => {
    const doc = JSON.parse(await readFile(join(FIXTURES_DIR, 'export-record.json'), 'utf8'));
    const exported = Object.values(doc.exported) as { backup_service: string; backup_url: string }[];
    expect(exported.length).toBe(2);
    for (const e of exported) {
      const { record, driverInfo } = decodeBackupRecord(e.backup_url);
      expect(record.service).toBe(e.backup_service);
      expect(encodeBackupRecord(record, driverInfo)).toBe(e.backup_url);
    }
  });

  it('maps the decoded fields of incr1 onto the record', async () => {
    const doc = JSON.parse(await readFile(join(FIXTURES_DIR, 'export-record.json'), 'utf8'));
    const { record } = decodeBackupRecord(doc.exported['zlib/incr1'].backup_url);
    const want = doc.decoded_backup_url_of_zlib_incr1;
    expect(record).toMatchObject({
      id: want.id,
      volumeId: want.volume_id,
      parentId: want.parent_id,
      container: want.container,
      serviceMetadata: want.service_metadata,
      objectCount: want.object_count,
      size: want.size,
      displayName: want.display_name,
    });
    expect(record.createdAt.toISOString()).toBe('2024-05-01T12:05:00.000Z');
  });
});

describe('export record validation', () => {
  const encode = (doc: unknown) => Buffer.from(JSON.stringify(doc)).toString('base64');

  it('names the required fields a record lacks', () => {
    expect(() => decodeBackupRecord(encode({ id: 'x', volume_id: 'v' }))).toThrow(
      /lacks required field\(s\): display_name, display_description, container, size, service_metadata, object_count/,
    );
  });

  it('rejects text that is not base64 JSON with E_INVALID_BACKUP', () => {
    expect(() => decodeBackupRecord('not base64!')).toThrow(expect.objectContaining({ code: 'E_INVALID_BACKUP' }));
    expect(() => decodeBackupRecord(Buffer.from('[1,2]').toString('base64'))).toThrow(/not decode to a JSON object/);
  });
});
