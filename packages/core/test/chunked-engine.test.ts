import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { metadataObjectName, sha256ObjectName } from '../src/cinder-names.js';
import { codecFor, zstdFrameContentSize } from '../src/codecs/index.js';
import { headerDocument, parseBackupMetadata } from '../src/format/backup-metadata.js';
import { parseSha256File } from '../src/format/sha256-file.js';
import { pythonJsonDumps } from '../src/format/python-json.js';
import { MemoryObjectStore } from '../src/memory-object-store.js';
import type { PutObjectOptions } from '../src/object-store.js';
import { makeVolume, mutateVolume, rejectionOf, SeededRandom, sha256Hex } from '../src/testing/test-data.js';
import { newBackupRecord } from '../src/backup-record.js';
import { BufferVolumeSource } from '../src/volume-source.js';
import { backupBytes, KiB, makeDriver, MiB, restoreBytes } from './engine-helpers.js';

describe('full and incremental backups', () => {
  it.each(['none', 'zlib', 'gzip', 'bz2', 'bzip2', 'zstd'] as const)('round-trips a %s chain of four', async (compression) => {
    const ctx = makeDriver({ compression });
    const v0 = makeVolume(1 * MiB + 12_345, 1);
    const v1 = mutateVolume(v0, 2);
    const v2 = mutateVolume(v1, 3);
    const v3 = mutateVolume(v2, 4);
    const b0 = await backupBytes(ctx, v0);
    const b1 = await backupBytes(ctx, v1, b0.record);
    const b2 = await backupBytes(ctx, v2, b1.record);
    const b3 = await backupBytes(ctx, v3, b2.record);
    expect([b0.kind, b1.kind, b2.kind, b3.kind]).toEqual(['full', 'incremental', 'incremental', 'incremental']);
    for (const [b, v] of [
      [b0, v0],
      [b1, v1],
      [b2, v2],
      [b3, v3],
    ] as const) {
      expect(sha256Hex(await restoreBytes(ctx, b.record))).toBe(sha256Hex(v));
    }
    // Incrementals carry only the changed blocks.
    expect(b1.storedBytes).toBeLessThan(b0.storedBytes);
  });

  it('puts data objects and the hash list with flushLater, and flushes them before _metadata', async () => {
    const inner = new MemoryObjectStore();
    const calls: string[] = [];
    const store = Object.assign(Object.create(inner) as MemoryObjectStore, {
      putObject: async (c: string, n: string, d: Uint8Array, o?: PutObjectOptions) => {
        calls.push(`${o?.flushLater ? 'put later' : 'put'} ${/(-\d{5}|_sha256file|_metadata)$/.exec(n)?.[1]}`);
        return inner.putObject(c, n, d);
      },
      flush: async () => {
        calls.push('flush');
      },
    });
    const ctx = makeDriver({ objectSize: 64 * KiB }, store);
    await backupBytes(ctx, makeVolume(200 * KiB, 5));
    // A full backup's chunks store their objects as they finish, in any order.
    expect(calls.slice(0, 4).sort()).toEqual(['put later -00001', 'put later -00002', 'put later -00003', 'put later -00004']);
    expect(calls.slice(4)).toEqual(['put later _sha256file', 'flush', 'put _metadata']);
  });

  it("lists each object's MD5, whether its chunk was hashed in a batch, alone or was all zero", async () => {
    // 10 chunks: batches of 4 and 4 in the MD5 lanes, then 2, one of them all zero.
    const ctx = makeDriver({ compression: 'none', objectSize: 64 * KiB });
    const volume = makeVolume(10 * 64 * KiB - 1000, 21);
    volume.fill(0, 8 * 64 * KiB, 9 * 64 * KiB);
    const { record } = await backupBytes(ctx, volume);
    const meta = parseBackupMetadata(
      await ctx.store.getObject(record.container as string, metadataObjectName(record.serviceMetadata as string)),
      'm',
    );
    expect(meta.objects).toHaveLength(10);
    for (const o of meta.objects) {
      expect(o.md5, o.name).toBe(
        createHash('md5')
          .update(volume.subarray(o.offset, o.offset + o.length))
          .digest('hex'),
      );
    }
    await ctx.driver.verify(record);
  });

  it('fails, without hanging, when a read fails while another chunk waits for its MD5 batch', async () => {
    const ctx = makeDriver({ compression: 'zlib', objectSize: 64 * KiB });
    // 6 chunks: a batch of 4, then chunk 4 waits for chunk 5, whose read fails.
    const data = makeVolume(6 * 64 * KiB, 22);
    const broken = new BufferVolumeSource(data);
    broken.readAt = async (offset, length, into) => {
      if (offset === 5 * 64 * KiB) throw new Error('disk read error');
      into.set(data.subarray(offset, offset + length));
    };
    const record = newBackupRecord({ volumeId: 'vol-1' });
    const err = await rejectionOf(ctx.driver.backup(record, broken));
    expect(String((err as Error).message)).toMatch(/disk read error/);
    const container = ctx.store.containerFor(record.id, null);
    expect(await ctx.store.listObjects(container, '').catch(() => [])).toEqual([]);
  });

  it('writes the objects, hash list and metadata Cinder expects', async () => {
    const ctx = makeDriver({ compression: 'zlib', objectSize: 64 * KiB });
    const data = makeVolume(200 * KiB + 100, 9);
    const { record } = await backupBytes(ctx, data);
    const prefix = record.serviceMetadata as string;
    const names = await ctx.store.listObjects(record.container as string, prefix);
    expect(names).toEqual([
      `${prefix}-00001`,
      `${prefix}-00002`,
      `${prefix}-00003`,
      `${prefix}-00004`,
      metadataObjectName(prefix),
      sha256ObjectName(prefix),
    ]);
    expect(prefix).toBe(`volume_vol-1_${record.createdAt.toISOString().replace(/[-:T]/g, '').slice(0, 14)}_backup_${record.id}`);
    expect(record.container).toBe(`${record.id.slice(0, 2)}/${record.id.slice(2, 4)}/${record.id}`);
    const meta = parseBackupMetadata(await ctx.store.getObject(record.container as string, metadataObjectName(prefix)), 'm');
    expect(meta.objects.map((o) => [o.offset, o.length])).toEqual([
      [0, 65536],
      [65536, 65536],
      [131072, 65536],
      [196608, 8292],
    ]);
    const hashFile = await ctx.store.getObject(record.container as string, sha256ObjectName(prefix));
    const hashes = parseSha256File(hashFile, 's');
    expect(hashes.blockSize).toBe(32 * KiB);
    expect(hashes.sha256s.toHex()).toEqual(Array.from({ length: 7 }, (_, i) => sha256Hex(data.subarray(i * 32 * KiB, (i + 1) * 32 * KiB))));
    // Filled in by the chunks as they were hashed, the file is still exactly what Cinder writes.
    const reference = pythonJsonDumps(
      { ...headerDocument(hashes), chunk_size: hashes.blockSize, sha256s: hashes.sha256s.toHex() },
      { sortKeys: true, indent: 2 },
    );
    expect(Buffer.from(hashFile).toString('latin1')).toBe(reference);
    expect(record).toMatchObject({
      objectCount: 4,
      size: 1,
      status: 'available',
      service: 'cinder.backup.drivers.posix.PosixBackupDriver',
    });
  });

  it('splits a changed run at object boundaries and ends it at EOF', async () => {
    const ctx = makeDriver({ compression: 'none', objectSize: 64 * KiB });
    const v0 = new Uint8Array(200 * KiB + 100);
    const v1 = Uint8Array.from(v0);
    v1.fill(1, 60 * KiB, 70 * KiB); // straddles the first object boundary
    v1[v1.length - 1] = 9; // in the short last block
    const b0 = await backupBytes(ctx, v0);
    const b1 = await backupBytes(ctx, v1, b0.record);
    const meta = parseBackupMetadata(
      await ctx.store.getObject(b1.record.container as string, metadataObjectName(b1.record.serviceMetadata as string)),
      'm',
    );
    expect(meta.objects.map((o) => [o.offset, o.length])).toEqual([
      [32 * KiB, 32 * KiB],
      [64 * KiB, 32 * KiB],
      [192 * KiB, 8 * KiB + 100],
    ]);
    expect(meta.parentId).toBe(b0.record.id);
    expect(sha256Hex(await restoreBytes(ctx, b1.record))).toBe(sha256Hex(v1));
  });

  it('stores an unchanged incremental as an empty object list, which restores', async () => {
    const ctx = makeDriver();
    const v = makeVolume(300 * KiB, 5);
    const b0 = await backupBytes(ctx, v);
    const b1 = await backupBytes(ctx, v, b0.record);
    expect(b1.record.objectCount).toBe(0);
    const names = await ctx.store.listObjects(b1.record.container as string, b1.record.serviceMetadata as string);
    expect(names).toHaveLength(2);
    expect(sha256Hex(await restoreBytes(ctx, b1.record))).toBe(sha256Hex(v));
  });

  it('makes a full backup, and says so, when the parent volume has another size', async () => {
    const ctx = makeDriver();
    const b0 = await backupBytes(ctx, makeVolume(300 * KiB, 1));
    const bigger = makeVolume(300 * KiB + 1, 1);
    const b1 = await backupBytes(ctx, bigger, b0.record);
    expect(b1.kind).toBe('full');
    expect(b1.fullBecause).toBe('parent-size-changed');
    expect(b1.record.parentId).toBeNull();
    expect(sha256Hex(await restoreBytes(ctx, b1.record))).toBe(sha256Hex(bigger));
    const smaller = makeVolume(100 * KiB, 1);
    const b2 = await backupBytes(ctx, smaller, b1.record);
    expect(b2.fullBecause).toBe('parent-size-changed');
    expect(sha256Hex(await restoreBytes(ctx, b2.record))).toBe(sha256Hex(smaller));
  });

  it('makes a full backup when the hash block size changed', async () => {
    const ctx = makeDriver();
    const v = makeVolume(300 * KiB, 1);
    const b0 = await backupBytes(ctx, v);
    const other = makeDriver({ hashBlockSize: 64 * KiB }, ctx.store);
    other.catalog.put(b0.record);
    const b1 = await backupBytes(other, v, b0.record);
    expect(b1.fullBecause).toBe('hash-block-size-changed');
  });

  it('refuses an object size that is not a multiple of the hash block', () => {
    expect(() => makeDriver({ objectSize: 100 * KiB + 1 })).toThrow(/not a multiple of the hash block size/);
    expect(() => makeDriver({ objectSize: 100 * KiB + 1 })).toThrow(expect.objectContaining({ code: 'E_CONFIG', field: 'objectSize' }));
    expect(() => makeDriver({ hashBlockSize: 0 })).toThrow(expect.objectContaining({ code: 'E_CONFIG', field: 'hashBlockSize' }));
  });

  it('writes zstd objects as one frame carrying the content size', async () => {
    const ctx = makeDriver({ compression: 'zstd' });
    const { record } = await backupBytes(ctx, makeVolume(600 * KiB, 3));
    const meta = parseBackupMetadata(
      await ctx.store.getObject(record.container as string, metadataObjectName(record.serviceMetadata as string)),
      'm',
    );
    const zstdObjects = meta.objects.filter((o) => o.compression === 'zstd');
    expect(zstdObjects.length).toBeGreaterThan(0);
    for (const o of zstdObjects) {
      expect(zstdFrameContentSize(await ctx.store.getObject(record.container as string, o.name))).toBe(o.length);
    }
  });

  it('compresses new zstd backups at level 1 unless told otherwise', async () => {
    const rnd = new SeededRandom(6);
    let text = '';
    while (text.length < 256 * KiB) text += `block ${rnd.below(100_000)} of volume ${rnd.below(1000)}\n`;
    const data = new TextEncoder().encode(text.slice(0, 256 * KiB));
    const objectOf = async (level?: number) => {
      const ctx = makeDriver({ compression: 'zstd', ...(level !== undefined ? { compressionLevel: level } : {}) });
      const { record } = await backupBytes(ctx, data);
      return ctx.store.getObject(record.container as string, `${record.serviceMetadata}-00001`);
    };
    const codec = codecFor('zstd');
    expect(
      Buffer.from(await codec.compress(data, 1)).equals(Buffer.from(await codec.compress(data, 3))),
      'the levels differ on this data',
    ).toBe(false);
    expect(Buffer.from(await objectOf()).equals(Buffer.from(await codec.compress(data, 1)))).toBe(true);
    expect(Buffer.from(await objectOf(3)).equals(Buffer.from(await codec.compress(data, 3)))).toBe(true);
  });

  it('stores incompressible objects raw, tagged none', async () => {
    const ctx = makeDriver({ compression: 'zlib', objectSize: 64 * KiB });
    const random = new Uint8Array(64 * KiB);
    new SeededRandom(199).fill(random);
    const { record } = await backupBytes(ctx, random);
    const meta = parseBackupMetadata(
      await ctx.store.getObject(record.container as string, metadataObjectName(record.serviceMetadata as string)),
      'm',
    );
    expect(meta.objects[0]?.compression).toBe('none');
    expect(Buffer.from(await ctx.store.getObject(record.container as string, meta.objects[0]?.name as string)).equals(random)).toBe(true);
  });

  it('refuses to write over an existing backup id', async () => {
    const ctx = makeDriver();
    const v = makeVolume(100 * KiB, 1);
    const b0 = await backupBytes(ctx, v);
    const again = ctx.driver.backup(
      { ...b0.record, status: 'creating' },
      { size: v.length, readAt: async () => {}, close: async () => {} },
    );
    await expect(again).rejects.toMatchObject({ code: 'E_INVALID_BACKUP' });
    expect(sha256Hex(await restoreBytes(ctx, b0.record))).toBe(sha256Hex(v));
  });
});
