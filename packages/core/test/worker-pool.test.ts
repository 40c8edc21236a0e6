import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
// The compiled engine: worker threads need the built worker script, which only dist has.
import * as built from '../dist/index.js';
import { makeVolume, mutateVolume, sha256Hex } from '../src/testing/test-data.js';

const KiB = 1024;
const md5Hex = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

describe('the engine on worker threads (built package)', () => {
  // zstd decompresses into the lent buffer; zlib decompresses on its own and is copied there.
  it.each(['zstd', 'zlib'] as const)(
    '%s: backs up and restores a chain, and reports corruption found on a worker as E_INTEGRITY',
    async (compression) => {
      const store = new built.MemoryObjectStore();
      const catalog = new built.MemoryCatalog();
      const driver = new built.ChunkedBackupDriver(store, { workers: 2, objectSize: 128 * KiB, catalog, compression });
      try {
        const v0 = makeVolume(3 * 1024 * KiB + 5, 7);
        const v1 = mutateVolume(v0, 8);
        const b0 = await driver.backup(built.newBackupRecord({ volumeId: 'v' }), new built.BufferVolumeSource(v0));
        catalog.put(b0.record);
        const b1 = await driver.backup(built.newBackupRecord({ volumeId: 'v', parentId: b0.record.id }), new built.BufferVolumeSource(v1));
        catalog.put(b1.record);
        expect(b1.kind).toBe('incremental');
        for (const [b, v] of [
          [b0, v0],
          [b1, v1],
        ] as const) {
          const target = new built.BufferRestoreTarget();
          await driver.restore(b.record, 'r', target);
          expect(sha256Hex(target.data)).toBe(sha256Hex(v));
        }
        const container = b0.record.container as string;
        const victim = `${b0.record.serviceMetadata}-00003`;
        const bytes = await store.getObject(container, victim);
        bytes[10] = (bytes[10] as number) ^ 0xff;
        await store.putObject(container, victim, bytes);
        await expect(driver.verify(b0.record)).rejects.toMatchObject({ code: 'E_INTEGRITY', objectName: victim });
      } finally {
        await driver.close();
      }
    },
  );

  it('counts every byte a restore fetched, also of an object too big for its pooled buffers', async () => {
    const store = new built.MemoryObjectStore();
    const catalog = new built.MemoryCatalog();
    // Objects over 64 MiB get a buffer of their own, which moves to the worker that checks it.
    const driver = new built.ChunkedBackupDriver(store, { workers: 2, objectSize: 65 * 1024 * KiB, catalog, compression: 'none' });
    try {
      const b = await driver.backup(built.newBackupRecord({ volumeId: 'v' }), new built.BufferVolumeSource(makeVolume(66 * 1024 * KiB, 3)));
      catalog.put(b.record);
      const events: { bytesTransferred: number; done: boolean }[] = [];
      await driver.verify(b.record, { onProgress: (e) => events.push(e) });
      const container = b.record.container as string;
      const names = await store.listObjects(container, b.record.serviceMetadata as string);
      let stored = 0;
      for (const name of names.filter((n) => !/_(metadata|sha256file)$/.test(n))) stored += (await store.getObject(container, name)).length;
      expect(stored).toBe(66 * 1024 * KiB);
      expect(events.at(-1)).toMatchObject({ done: true, bytesTransferred: stored });
    } finally {
      await driver.close();
    }
  });

  it('keeps waiting tasks in its own queue, hands them to workers with room, and cancels them on close', async () => {
    const { WorkerPool } = await import('../dist/engine/workers/task-runner.js');
    const pool = new WorkerPool(1);
    const task = (n: number) => {
      const data = new Uint8Array(64 * KiB).fill(n);
      return {
        name: `o${n}`,
        stored: data,
        into: null,
        compression: 'none',
        length: data.length,
        md5: md5Hex(data),
        md5Check: 'always' as const,
        offset: 0,
        blockSize: null,
        blockHashes: null,
        volumeBytes: data.length,
      };
    };
    // One worker, three tasks: all run, one after another, on the same worker.
    const done = await Promise.all([1, 2, 3].map((n) => pool.checkObject(task(n))));
    expect(done.map((r) => r.data[0])).toEqual([1, 2, 3]);
    // The worker holds two tasks at most (one running, one queued); the two still waiting in the
    // pool when it closes are cancelled, not lost.
    const atWorker = [pool.checkObject(task(4)), pool.checkObject(task(5))];
    const waiting = [pool.checkObject(task(6)), pool.checkObject(task(7))];
    const closing = pool.close();
    for (const w of waiting) await expect(w).rejects.toMatchObject({ code: 'E_CANCELLED' });
    await Promise.allSettled(atWorker);
    await closing;
  });

  /** A zlib object of `length` bytes for checkObject, damaged when `damaged`; each call gets its own buffers. */
  const zlibTask = (length: number, damaged = false) => {
    const data = makeVolume(length, length % 251);
    const stored = new Uint8Array(deflateSync(data, { level: 1 }));
    if (damaged) stored[stored.length >> 1] = (stored[stored.length >> 1] as number) ^ 0xff;
    return {
      name: damaged ? 'bad' : `o${length}`,
      stored,
      into: null,
      compression: 'zlib',
      length,
      md5: md5Hex(data),
      md5Check: 'always' as const,
      offset: 0,
      blockSize: null,
      blockHashes: null,
      volumeBytes: length,
    };
  };

  it('settles every task with its result or a typed error when one fails and the pool closes while others run', async () => {
    const { WorkerPool } = await import('../dist/engine/workers/task-runner.js');
    const pool = new WorkerPool(2);
    // Big enough that zlib is still inflating some of them on a worker when close() comes.
    const tasks = [zlibTask(64 * KiB, true), ...Array.from({ length: 7 }, (_, i) => zlibTask(8 * 1024 * KiB + i))];
    const results = tasks.map((t) => pool.checkObject(t));
    // Observed from the start: those the close cancels reject while it runs.
    const others = Promise.allSettled(results.slice(1));
    // As a restore does: the first failure ends the job, which closes the pool.
    await expect(results[0]).rejects.toMatchObject({ code: 'E_INTEGRITY', objectName: 'bad' });
    await pool.close();
    const settled = await others;
    for (const [i, s] of settled.entries()) {
      if (s.status === 'fulfilled') expect(s.value.data.length).toBe(8 * 1024 * KiB + i);
      else expect(s.reason).toMatchObject({ code: 'E_CANCELLED' });
    }
    await expect(pool.checkObject(zlibTask(1024))).rejects.toMatchObject({ code: 'E_CANCELLED' });
  });

  it('settles every task of a pool closed while its threads still start, and the process ends (no exit 13)', () => {
    const pool = new URL('../dist/engine/workers/task-runner.js', import.meta.url).href;
    const dir = mkdtempSync(join(tmpdir(), 'volback-pool-'));
    const script = join(dir, 'close-at-once.mjs');
    // Threads stopped while they start up exit with code 0, still holding the tasks given them:
    // those promises never settled, the event loop ran dry, and the top-level await exited 13.
    writeFileSync(
      script,
      `const { WorkerPool } = await import(${JSON.stringify(pool)});
const p = new WorkerPool(2);
const task = () => ({ name: 'o', stored: new Uint8Array(10), into: null, compression: 'none', length: 10, md5: 'a63c90cc3684ad8b0a2176a6a8fe9005', md5Check: 'always', offset: 0, blockSize: null, blockHashes: null, volumeBytes: 10 });
const all = [1, 2, 3, 4].map(() => p.checkObject(task()));
const settling = Promise.allSettled(all);
await p.close();
const settled = await settling;
console.log(settled.map((s) => (s.status === 'fulfilled' ? 'ok' : s.reason.code ?? s.reason.message)).join(' '));`,
    );
    const runs = [1, 2, 3].map(() => spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 20_000 }));
    rmSync(dir, { recursive: true, force: true });
    for (const run of runs) {
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout.trim()).toMatch(/^((ok|E_CANCELLED) ?){4}$/);
    }
  });

  it('never keeps a finished process alive, idle or after work', () => {
    const pool = new URL('../dist/engine/workers/task-runner.js', import.meta.url).href;
    for (const work of [
      '',
      'await p.checkObject({ name: "o", stored: new Uint8Array(10), into: null, compression: "none", length: 10, md5: "a63c90cc3684ad8b0a2176a6a8fe9005", md5Check: "always", offset: 0, blockSize: null, blockHashes: null, volumeBytes: 10 });',
    ]) {
      const script = join(mkdtempSync(join(tmpdir(), 'volback-pool-')), 'pool.mjs');
      writeFileSync(
        script,
        `const { WorkerPool } = await import(${JSON.stringify(pool)}); const p = new WorkerPool(2); ${work} console.log('end');`,
      );
      const run = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 10_000 });
      rmSync(dirname(script), { recursive: true, force: true });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('end');
      expect(run.status).toBe(0);
    }
  });
});
