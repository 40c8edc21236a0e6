import { describe, expect, it } from 'vitest';
import { AmbiguousBackupIdError, idsMatching, uniqueIdPrefix } from '../src/backup-id-prefix.js';
import { newBackupRecord } from '../src/backup-record.js';
import { metadataObjectName } from '../src/cinder-names.js';
import { StoreCatalog } from '../src/catalog.js';
import { ChunkedBackupDriver } from '../src/chunked-backup-driver.js';
import { MemoryObjectStore } from '../src/memory-object-store.js';
import { makeVolume } from '../src/testing/test-data.js';
import { BufferVolumeSource } from '../src/volume-source.js';

describe('backup id prefixes', () => {
  const ids = ['3f2a9c01-aaaa', '3f2a9c01-bbbb', '3f2b0000-cccc', 'night', 'nightly'];

  it('match an exact id first, then the ids they begin, from 4 characters', () => {
    expect(idsMatching('night', ids)).toEqual(['night']);
    expect(idsMatching('nigh', ids)).toEqual(['night', 'nightly']);
    expect(idsMatching('3f2a', ids)).toEqual(['3f2a9c01-aaaa', '3f2a9c01-bbbb']);
    expect(idsMatching('3f2b', ids)).toEqual(['3f2b0000-cccc']);
    expect(idsMatching('3f2', ids)).toEqual([]);
  });

  it('abbreviate each id to the shortest prefix, from 8 characters, that matches it alone', () => {
    for (const id of ids) {
      const short = uniqueIdPrefix(id, ids);
      expect(idsMatching(short, ids), id).toEqual([id]);
    }
    expect(uniqueIdPrefix('3f2a9c01-aaaa', ids)).toBe('3f2a9c01-a');
    expect(uniqueIdPrefix('3f2b0000-cccc', ids)).toBe('3f2b0000');
    expect(uniqueIdPrefix('night', ids)).toBe('night');
    expect(uniqueIdPrefix('nightly', ids)).toBe('nightly');
  });
});

describe('StoreCatalog.getByIdOrPrefix and survey', () => {
  async function store() {
    const s = new MemoryObjectStore();
    const driver = new ChunkedBackupDriver(s, { catalog: new StoreCatalog(s), objectSize: 64 * 1024 });
    for (const id of ['aaaa1111-one', 'aaaa2222-two', 'bbbb3333-bad']) {
      await driver.backup(newBackupRecord({ id, volumeId: 'vol' }), new BufferVolumeSource(makeVolume(70_000, id.length)));
    }
    const bad = await new StoreCatalog(s).get('bbbb3333-bad');
    await s.putObject(bad.container as string, metadataObjectName(bad.serviceMetadata as string), new TextEncoder().encode('{"damaged'));
    return s;
  }

  it('finds a backup by a unique prefix, lists the candidates of an ambiguous one, and keeps a damaged one unusable', async () => {
    const catalog = new StoreCatalog(await store());
    expect((await catalog.getByIdOrPrefix('aaaa2')).id).toBe('aaaa2222-two');
    const ambiguous = await catalog.getByIdOrPrefix('aaaa').catch((e: unknown) => e);
    expect(ambiguous).toBeInstanceOf(AmbiguousBackupIdError);
    expect(ambiguous).toMatchObject({ code: 'E_CONFIG', given: 'aaaa' });
    expect((ambiguous as AmbiguousBackupIdError).candidates.map((c) => [c.id, c.volumeId])).toEqual([
      ['aaaa1111-one', 'vol'],
      ['aaaa2222-two', 'vol'],
    ]);
    await expect(catalog.getByIdOrPrefix('cccc')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(catalog.getByIdOrPrefix('bbbb')).rejects.toMatchObject({ code: 'E_INVALID_BACKUP' });
  });

  it('survey lists the good backups and names the damaged one; list still throws on it', async () => {
    const s = await store();
    const { records, damaged } = await new StoreCatalog(s).survey();
    expect(records.map((r) => r.id)).toEqual(['aaaa1111-one', 'aaaa2222-two']);
    expect(damaged.map((d) => [d.id, d.volumeId, d.error.code])).toEqual([['bbbb3333-bad', 'vol', 'E_INVALID_BACKUP']]);
    await expect(new StoreCatalog(s).list()).rejects.toMatchObject({ code: 'E_INVALID_BACKUP' });
  });
});
