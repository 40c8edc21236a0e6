import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newBackupRecord } from '../src/backup-record.js';
import { BackendError } from '../src/errors.js';
import { MemoryObjectStore } from '../src/memory-object-store.js';
import type { GetObjectOptions } from '../src/object-store.js';
import type { ProgressEvent } from '../src/progress.js';
import { decodeBackupRecord, encodeBackupRecord } from '../src/record-string.js';
import { BufferRestoreTarget, FileRestoreTarget } from '../src/restore-target.js';
import { makeVolume, mutateVolume, rejectionOf, sha256Hex } from '../src/testing/test-data.js';
import { BufferVolumeSource, FileVolumeSource } from '../src/volume-source.js';
import { backupBytes, KiB, makeDriver, MiB, restoreBytes } from './engine-helpers.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'volback-core-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('cancellation and failure', () => {
  it('a cancelled backup throws E_CANCELLED and leaves no object behind', async () => {
    const ctx = makeDriver({ objectSize: 64 * KiB });
    const controller = new AbortController();
    const record = newBackupRecord({ volumeId: 'vol-1' });
    const err = await rejectionOf(
      ctx.driver.backup(record, new BufferVolumeSource(makeVolume(2 * MiB, 1)), {
        signal: controller.signal,
        onProgress: (e) => {
          if (e.objectsDone >= 2) controller.abort();
        },
      }),
    );
    expect(err).toMatchObject({ code: 'E_CANCELLED' });
    const container = ctx.store.containerFor(record.id, null);
    expect(await ctx.store.listObjects(container, '')).toEqual([]);
  });

  it('a backup that fails midway removes what it wrote and rethrows the cause', async () => {
    const store = new MemoryObjectStore();
    let puts = 0;
    const failing = Object.assign(Object.create(store), {
      putObject: async (c: string, n: string, d: Uint8Array) => {
        if (++puts === 4) throw new BackendError('disk on fire', false);
        return store.putObject(c, n, d);
      },
    });
    const ctx = makeDriver({ objectSize: 64 * KiB }, failing);
    const record = newBackupRecord({ volumeId: 'vol-1' });
    await expect(ctx.driver.backup(record, new BufferVolumeSource(makeVolume(1 * MiB, 1)))).rejects.toThrow('disk on fire');
    expect(await store.listObjects(store.containerFor(record.id, null), '')).toEqual([]);
  });

  it('retries transient backend errors and succeeds', async () => {
    const store = new MemoryObjectStore();
    // Every object's first put and first get fail, whatever order concurrent calls run in.
    const failedOnce = new Set<string>();
    const firstTime = (what: string): boolean => {
      if (failedOnce.has(what)) return false;
      failedOnce.add(what);
      return true;
    };
    const flaky = Object.assign(Object.create(store), {
      putObject: async (c: string, n: string, d: Uint8Array) => {
        if (firstTime(`put ${n}`)) throw new BackendError('503 slow down', true);
        return store.putObject(c, n, d);
      },
      getObject: async (c: string, n: string, o?: GetObjectOptions) => {
        if (firstTime(`get ${n}`)) {
          // Half a read into the lent buffer, then the connection drops: the retry must start clean.
          o?.allocate?.(1000).fill(0xee);
          throw new BackendError('connection reset', true);
        }
        return store.getObject(c, n, o);
      },
    });
    const ctx = makeDriver({ objectSize: 64 * KiB, retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 } }, flaky);
    const v = makeVolume(400 * KiB, 4);
    const b = await backupBytes(ctx, v);
    expect(sha256Hex(await restoreBytes(ctx, b.record))).toBe(sha256Hex(v));
    // Every data object, _metadata and _sha256file failed once on the way back.
    expect([...failedOnce].filter((w) => w.startsWith('get ')).length).toBe(b.record.objectCount + 2);
  });
});

describe('progress', () => {
  it('reports monotonic, complete progress for backup and restore', async () => {
    const ctx = makeDriver({ objectSize: 64 * KiB });
    const v0 = makeVolume(1 * MiB + 5, 2);
    const events: ProgressEvent[] = [];
    const b0 = await backupBytes(ctx, v0, undefined, { onProgress: (e) => events.push(e) });
    const b1 = await backupBytes(ctx, mutateVolume(v0, 3), b0.record, { onProgress: (e) => events.push(e) });
    await ctx.driver.restore(b1.record, 'v', new BufferRestoreTarget(), { onProgress: (e) => events.push(e) });
    for (const op of ['backup', 'restore'] as const) {
      for (const id of op === 'backup' ? [b0.record.id, b1.record.id] : [b1.record.id]) {
        const mine = events.filter((e) => e.operation === op && e.backupId === id);
        expect(mine.length).toBeGreaterThan(1);
        for (let i = 1; i < mine.length; i++) expect(mine[i]?.bytesDone).toBeGreaterThanOrEqual(mine[i - 1]?.bytesDone as number);
        const last = mine[mine.length - 1];
        expect(last?.done).toBe(true);
        expect(last?.bytesDone).toBe(last?.bytesTotal);
        expect(mine.filter((e) => e.done)).toHaveLength(1);
      }
    }
  });
});

describe('files and devices', () => {
  it('backs up a file and restores into a fresh file with holes for zero regions', async () => {
    const ctx = makeDriver({ objectSize: 1 * MiB });
    const data = new Uint8Array(8 * MiB);
    data.fill(0xab, 0, 1 * MiB);
    // Inside an object too: 256 KiB of zeros between two runs of data.
    data.fill(0x11, 3 * MiB, 3 * MiB + 384 * KiB);
    data.fill(0x22, 3 * MiB + 640 * KiB, 4 * MiB);
    data.fill(0xcd, 7 * MiB, 8 * MiB - 3);
    const src = join(tmp, 'src.img');
    await writeFile(src, data);
    const source = await FileVolumeSource.open(src);
    const { record } = await ctx.driver.backup(newBackupRecord({ volumeId: 'v' }), source);
    await source.close();
    ctx.catalog.put(record);
    const dst = join(tmp, 'fresh.img');
    const target = await FileRestoreTarget.open(dst);
    await ctx.driver.restore(record, 'v', target);
    await target.close();
    const st = await stat(dst);
    expect(st.size).toBe(data.length);
    // 5 MiB of zero objects and the 256 KiB run were never written.
    expect(st.blocks * 512).toBeLessThanOrEqual(2 * MiB + 768 * KiB + 64 * KiB);
    expect(sha256Hex(await readFile(dst))).toBe(sha256Hex(data));
  });

  it('overwrites old content of an existing target, zeros included, and trims it to size', async () => {
    const ctx = makeDriver({ objectSize: 1 * MiB });
    const data = new Uint8Array(2 * MiB + 7);
    data.fill(1, 0, 1000);
    const b = await backupBytes(ctx, data);
    const dst = join(tmp, 'reused.img');
    await writeFile(dst, new Uint8Array(3 * MiB).fill(0xee));
    const target = await FileRestoreTarget.open(dst);
    expect(target.fresh).toBe(true); // written through a new temporary file, so zeros may stay holes
    await ctx.driver.restore(b.record, 'v', target);
    await target.close();
    expect(sha256Hex(await readFile(dst))).toBe(sha256Hex(data));
  });

  it('refuses an empty volume with E_INVALID_VOLUME', async () => {
    const empty = join(tmp, 'empty.img');
    await writeFile(empty, '');
    await expect(FileVolumeSource.open(empty)).rejects.toMatchObject({ code: 'E_INVALID_VOLUME' });
    await expect(FileVolumeSource.open(join(tmp, 'missing.img'))).rejects.toMatchObject({ code: 'E_INVALID_VOLUME' });
  });
});

describe('records and metadata', () => {
  it('exports and imports a record, then restores from the imported record', async () => {
    const ctx = makeDriver();
    const v = makeVolume(200 * KiB, 8);
    const b = await backupBytes(ctx, v);
    const url = encodeBackupRecord(b.record, await ctx.driver.exportRecord(b.record));
    const { record, driverInfo } = decodeBackupRecord(url);
    await ctx.driver.importRecord(record, driverInfo);
    expect(sha256Hex(await restoreBytes(ctx, record))).toBe(sha256Hex(v));
    await expect(ctx.driver.importRecord({ ...record, serviceMetadata: `${record.serviceMetadata}x` }, {})).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
    });
  });

  it('carries volume metadata in the backup and applies it on restore', async () => {
    const ctx = makeDriver();
    await ctx.driver.putMetadata(
      'vol-1',
      JSON.stringify({ version: 2, 'volume-base-metadata': { display_name: 'db', size: 1 }, 'volume-metadata': { tier: 'gold' } }),
    );
    const b = await backupBytes(ctx, makeVolume(100 * KiB, 1));
    await ctx.driver.restore(b.record, 'vol-new', new BufferRestoreTarget());
    expect(JSON.parse(await ctx.driver.getMetadata('vol-new'))).toEqual({
      version: 2,
      'volume-base-metadata': { display_name: 'db' },
      'volume-metadata': { tier: 'gold' },
    });
    await expect(ctx.driver.putMetadata('v', '{"version": 3}')).rejects.toMatchObject({ code: 'E_UNSUPPORTED' });
  });

  it('deletes every object of one backup and leaves the others', async () => {
    const ctx = makeDriver();
    const v = makeVolume(200 * KiB, 8);
    const a = await backupBytes(ctx, v);
    const b = await backupBytes(ctx, mutateVolume(v, 1), a.record);
    await ctx.driver.deleteBackup(b.record);
    expect(await ctx.store.listObjects(b.record.container as string, b.record.serviceMetadata as string)).toEqual([]);
    expect(sha256Hex(await restoreBytes(ctx, a.record))).toBe(sha256Hex(v));
    await ctx.driver.deleteBackup(b.record); // deleting again is fine
  });
});
