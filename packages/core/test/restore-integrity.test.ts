import { describe, expect, it } from 'vitest';
import { metadataObjectName, sha256ObjectName } from '../src/cinder-names.js';
import { encodeBackupMetadata, parseBackupMetadata } from '../src/format/backup-metadata.js';
import { encodeSha256File, parseSha256File } from '../src/format/sha256-file.js';
import { ChunkedBackupDriver } from '../src/chunked-backup-driver.js';
import type { GetObjectOptions, ObjectStore } from '../src/object-store.js';
import { BufferRestoreTarget } from '../src/restore-target.js';
import { makeVolume, mutateVolume, rejectionOf } from '../src/testing/test-data.js';
import { backupBytes, KiB, makeDriver, restoreBytes } from './engine-helpers.js';

async function storedBackup(compression: 'zlib' | 'none' = 'zlib') {
  const ctx = makeDriver({ compression, objectSize: 64 * KiB });
  const { record } = await backupBytes(ctx, makeVolume(300 * KiB, 11));
  const container = record.container as string;
  const prefix = record.serviceMetadata as string;
  const meta = parseBackupMetadata(await ctx.store.getObject(container, metadataObjectName(prefix)), 'm');
  return { ctx, record, container, prefix, meta };
}

/** A zlib backup whose _metadata gives its second object a wrong MD5; its data is intact. */
async function withWrongMd5() {
  const stored = await storedBackup('zlib');
  const victim = stored.meta.objects[1];
  if (!victim) throw new Error('no object');
  victim.md5 = '0'.repeat(32);
  await stored.ctx.store.putObject(stored.container, metadataObjectName(stored.prefix), encodeBackupMetadata(stored.meta));
  return { ...stored, victim };
}

describe('restore verification', () => {
  it('names the object when one stored byte is flipped', async () => {
    for (const compression of ['zlib', 'none'] as const) {
      const { ctx, record, container, meta } = await storedBackup(compression);
      const victim = meta.objects[2]?.name as string;
      const bytes = await ctx.store.getObject(container, victim);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = (bytes[at] as number) ^ 0x01;
      await ctx.store.putObject(container, victim, bytes);
      const err = await rejectionOf(ctx.driver.restore(record, 'v', new BufferRestoreTarget()));
      expect(err).toMatchObject({ code: 'E_INTEGRITY', objectName: victim });
      expect(String((err as Error).message)).toContain(victim);
      await expect(ctx.driver.verify(record)).rejects.toMatchObject({ code: 'E_INTEGRITY', objectName: victim });
    }
  });

  it('catches data whose MD5 matches a doctored list but whose blocks do not match _sha256file', async () => {
    const { ctx, record, container, prefix, meta } = await storedBackup('none');
    const victim = meta.objects[1]?.name as string;
    const bytes = await ctx.store.getObject(container, victim);
    bytes[5] = (bytes[5] as number) ^ 0xff;
    await ctx.store.putObject(container, victim, bytes);
    const { createHash } = await import('node:crypto');
    const entry = meta.objects[1];
    if (!entry) throw new Error('no object');
    entry.md5 = createHash('md5').update(bytes).digest('hex');
    await ctx.store.putObject(container, metadataObjectName(prefix), encodeBackupMetadata(meta));
    await expect(ctx.driver.restore(record, 'v', new BufferRestoreTarget())).rejects.toThrow(/block 2 has SHA-256/);
  });

  it('restore trusts the SHA-256 blocks over a wrong MD5 in _metadata; verify still reports it', async () => {
    const { ctx, record, victim } = await withWrongMd5();
    const target = new BufferRestoreTarget();
    await ctx.driver.restore(record, 'v', target);
    expect(target.data).toEqual(makeVolume(300 * KiB, 11));
    await expect(ctx.driver.verify(record)).rejects.toThrow(new RegExp(`${victim.name}: MD5 is [0-9a-f]{32}, its metadata says 0{32}`));
  });

  it('refuses to restore or verify a backup whose _sha256file is missing: nothing could be checked block by block', async () => {
    const { ctx, record, container, prefix } = await withWrongMd5();
    const list = sha256ObjectName(prefix);
    await ctx.store.deleteObject(container, list);
    const target = new BufferRestoreTarget();
    const err = await rejectionOf(ctx.driver.restore(record, 'v', target));
    expect(err).toMatchObject({ code: 'E_INTEGRITY', objectName: list });
    expect(target.data.length).toBe(0);
    await expect(ctx.driver.verify(record)).rejects.toMatchObject({ code: 'E_INTEGRITY', objectName: list });
  });

  it('checks the blocks a parent without _sha256file gives against the requested list, and MD5 for the rest', async () => {
    const ctx = makeDriver({ compression: 'none', objectSize: 64 * KiB });
    const v0 = makeVolume(256 * KiB, 5);
    const b0 = await backupBytes(ctx, v0);
    const v1 = mutateVolume(v0, 6, 2);
    const b1 = await backupBytes(ctx, v1, b0.record);
    const c = b0.record.container as string;
    const p = b0.record.serviceMetadata as string;
    await ctx.store.deleteObject(c, sha256ObjectName(p));
    expect(await restoreBytes(ctx, b1.record)).toEqual(v1);
    // A parent block the incremental takes, damaged, with _metadata's MD5 made to match: only the
    // requested backup's list can tell.
    const meta = parseBackupMetadata(await ctx.store.getObject(c, metadataObjectName(p)), 'm');
    const b1meta = parseBackupMetadata(
      await ctx.store.getObject(b1.record.container as string, metadataObjectName(b1.record.serviceMetadata as string)),
      'm',
    );
    const changed = new Set(
      b1meta.objects.flatMap((o) => Array.from({ length: o.length / (32 * KiB) }, (_, i) => o.offset / (32 * KiB) + i)),
    );
    const kept = [0, 1, 2, 3, 4, 5, 6, 7].find((b) => !changed.has(b)) as number;
    const victim = meta.objects.find((o) => o.offset <= kept * 32 * KiB && kept * 32 * KiB < o.offset + o.length);
    if (!victim) throw new Error('no parent object holds an unchanged block');
    const bytes = await ctx.store.getObject(c, victim.name);
    const at = kept * 32 * KiB - victim.offset + 7;
    bytes[at] = (bytes[at] as number) ^ 0x40;
    await ctx.store.putObject(c, victim.name, bytes);
    const { createHash } = await import('node:crypto');
    victim.md5 = createHash('md5').update(bytes).digest('hex');
    await ctx.store.putObject(c, metadataObjectName(p), encodeBackupMetadata(meta));
    await expect(restoreBytes(ctx, b1.record)).rejects.toMatchObject({ code: 'E_INTEGRITY', objectName: victim.name });
  });

  it('refuses when a stored object is missing or an extra one shares the prefix', async () => {
    const a = await storedBackup();
    await a.ctx.store.deleteObject(a.container, a.meta.objects[0]?.name as string);
    await expect(a.ctx.driver.restore(a.record, 'v', new BufferRestoreTarget())).rejects.toThrow(/missing from the store/);

    const b = await storedBackup();
    await b.ctx.store.putObject(b.container, `${b.prefix}-99999`, new Uint8Array(3));
    const err = await rejectionOf(b.ctx.driver.restore(b.record, 'v', new BufferRestoreTarget()));
    expect(err).toMatchObject({ code: 'E_INVALID_BACKUP' });
    expect(String((err as Error).message)).toContain('not in the object list');
  });

  it('refuses an unknown compression tag and another format version with typed errors', async () => {
    const a = await storedBackup();
    const entry = a.meta.objects[0];
    if (!entry) throw new Error('no object');
    entry.compression = 'lz4';
    await a.ctx.store.putObject(a.container, metadataObjectName(a.prefix), encodeBackupMetadata(a.meta));
    await expect(a.ctx.driver.restore(a.record, 'v', new BufferRestoreTarget())).rejects.toMatchObject({ code: 'E_UNSUPPORTED' });

    const b = await storedBackup();
    await b.ctx.store.putObject(b.container, metadataObjectName(b.prefix), encodeBackupMetadata({ ...b.meta, version: '1.0.1' }));
    const err = await rejectionOf(b.ctx.driver.restore(b.record, 'v', new BufferRestoreTarget()));
    expect(err).toMatchObject({ code: 'E_UNSUPPORTED' });
    expect(String((err as Error).message)).toMatch(/version 1\.0\.1/);
  });

  it('accepts upper-case tags as Cinder does', async () => {
    const a = await storedBackup();
    for (const o of a.meta.objects) o.compression = o.compression.toUpperCase();
    await a.ctx.store.putObject(a.container, metadataObjectName(a.prefix), encodeBackupMetadata(a.meta));
    await a.ctx.driver.verify(a.record);
  });

  it('reports a missing parent clearly', async () => {
    const ctx = makeDriver();
    const v = makeVolume(100 * KiB, 1);
    const b0 = await backupBytes(ctx, v);
    const b1 = await backupBytes(ctx, mutateVolume(v, 2), b0.record);
    ctx.catalog.delete(b0.record.id);
    await expect(ctx.driver.restore(b1.record, 'v', new BufferRestoreTarget())).rejects.toThrow(
      new RegExp(`depends on parent ${b0.record.id}, which cannot be found`),
    );
  });

  it('detects a chain whose parent hash list disagrees with the child', async () => {
    const ctx = makeDriver({ compression: 'none', objectSize: 64 * KiB });
    const v = makeVolume(200 * KiB, 1);
    const b0 = await backupBytes(ctx, v);
    const b1 = await backupBytes(ctx, mutateVolume(v, 2, 1), b0.record);
    const name = sha256ObjectName(b1.record.serviceMetadata as string);
    const child = parseSha256File(await ctx.store.getObject(b1.record.container as string, name), name);
    const meta = parseBackupMetadata(
      await ctx.store.getObject(b1.record.container as string, metadataObjectName(b1.record.serviceMetadata as string)),
      'm',
    );
    const stored = new Set(meta.objects.map((o) => o.offset / (32 * KiB)));
    // Pretend the child saw other content in a block it did not store: the parent's copy is then wrong for it.
    const unchanged = child.sha256s.toHex().findIndex((_, i) => !stored.has(i));
    child.sha256s.bytes.fill(0, unchanged * 32, (unchanged + 1) * 32);
    await ctx.store.putObject(b1.record.container as string, name, encodeSha256File(child));
    await expect(ctx.driver.verify(b1.record)).rejects.toThrow(new RegExp(`block ${unchanged} comes from .* the chain is inconsistent`));
    // Objects are fetched while the hash lists load, but nothing is written before they pass.
    const target = new BufferRestoreTarget();
    await expect(ctx.driver.restore(b1.record, 'v', target)).rejects.toThrow(/the chain is inconsistent/);
    expect(target.data.length).toBe(0);
  });

  it('reads an object again when its check fails, so damage on the way is not taken for a damaged backup', async () => {
    const { ctx, record, meta } = await storedBackup('zlib');
    const victim = meta.objects[1]?.name as string;
    let damagedReads = 0;
    // The store answers the first read of one object with a flipped byte, as a bad link would.
    const flaky: ObjectStore = Object.assign(Object.create(ctx.store) as ObjectStore, {
      getObject: async (c: string, n: string, o?: GetObjectOptions) => {
        const bytes = await ctx.store.getObject(c, n, o);
        if (n === victim && damagedReads++ === 0) bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0x10;
        return bytes;
      },
    });
    const driver = new ChunkedBackupDriver(flaky, { catalog: ctx.catalog, objectSize: 64 * KiB });
    const target = new BufferRestoreTarget();
    await driver.restore(record, 'v', target);
    expect(damagedReads).toBe(2);
    expect(target.data).toEqual(makeVolume(300 * KiB, 11));
  });
});
