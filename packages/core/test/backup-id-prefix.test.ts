import { describe, expect, it } from 'vitest';
import { AmbiguousBackupIdError, idsMatching, uniqueIdPrefixes } from '../src/backup-id-prefix.js';
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
    const short = uniqueIdPrefixes(ids);
    for (const id of ids) {
      expect(idsMatching(short.get(id) as string, ids), id).toEqual([id]);
    }
    expect(short.get('3f2a9c01-aaaa')).toBe('3f2a9c01-a');
    expect(short.get('3f2b0000-cccc')).toBe('3f2b0000');
    expect(short.get('night')).toBe('night');
    expect(short.get('nightly')).toBe('nightly');
    // From 4 characters, a prefix that is another backup's whole id would name that one.
    expect(uniqueIdPrefixes(ids, 4).get('nightly')).toBe('nightl');
  });

  it('abbreviates two thousand ids as they would be one by one, each resolving to itself alone', () => {
    // Random hex ids share prefixes by chance; a few made to share long ones, and one not hex.
    const ids = Array.from({ length: 2000 }, (_, i) => ((i * 2654435761) % 2 ** 32).toString(16).padStart(8, '0') + `-${i}`);
    ids.push('abcdef01-x', 'abcdef01-xy', 'abcdef01-xyz', 'zeta-\u{1F600}-1', 'zeta-\u{1F600}-2');
    const short = uniqueIdPrefixes(ids, 4);
    const byPrefix = new Map<string, string[]>();
    for (const id of ids) {
      const p = short.get(id) as string;
      expect(id.startsWith(p), id).toBe(true);
      // Shortest: one character less begins another id too (unless at the 4-character floor).
      if ([...p].length > 4 && p !== id) expect(ids.some((o) => o !== id && o.startsWith([...p].slice(0, -1).join('')))).toBe(true);
      byPrefix.set(p, [...(byPrefix.get(p) ?? []), id]);
    }
    for (const [p, owners] of byPrefix) expect(idsMatching(p, ids), p).toEqual(owners);
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

  it('resolves a prefix with one listing of each container, not a second one after the miss', async () => {
    const s = await store();
    const listed: string[] = [];
    const counting = new Proxy(s, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if ((key === 'listObjects' || key === 'listMetadataObjects') && typeof value === 'function') {
          return (container: string, ...rest: unknown[]) => {
            listed.push(container);
            return value.call(target, container, ...rest);
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const catalog = new StoreCatalog(counting);
    expect((await catalog.getByIdOrPrefix('aaaa2')).id).toBe('aaaa2222-two');
    const containers = await s.listContainers();
    expect(listed.length).toBeGreaterThan(0);
    // Every container once (and the probe of the container the prefix itself would name), none twice.
    expect(listed.sort()).toEqual([...new Set(listed)].sort());
    for (const c of containers) expect(listed).toContain(c);
  });

  it('survey lists the good backups and names the damaged one; list still throws on it', async () => {
    const s = await store();
    const { records, damaged } = await new StoreCatalog(s).survey();
    expect(records.map((r) => r.id)).toEqual(['aaaa1111-one', 'aaaa2222-two']);
    expect(damaged.map((d) => [d.id, d.volumeId, d.error.code])).toEqual([['bbbb3333-bad', 'vol', 'E_INVALID_BACKUP']]);
    await expect(new StoreCatalog(s).list()).rejects.toMatchObject({ code: 'E_INVALID_BACKUP' });
  });
});
