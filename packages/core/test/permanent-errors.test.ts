import { describe, expect, it } from 'vitest';
import { AuthError, BackendError, NotFoundError } from '../src/errors.js';
import { MemoryObjectStore } from '../src/memory-object-store.js';
import type { GetObjectOptions } from '../src/object-store.js';
import { BufferRestoreTarget } from '../src/restore-target.js';
import { makeVolume, rejectionOf } from '../src/testing/test-data.js';
import { BufferVolumeSource } from '../src/volume-source.js';
import { backupBytes, KiB, makeDriver } from './engine-helpers.js';
import { newBackupRecord } from '../src/backup-record.js';

/** A memory store where the gets of names matching `match` fail with `error`; counts calls by name. */
class FailingGets extends MemoryObjectStore {
  readonly gets = new Map<string, number>();
  failing: { match: RegExp; error: Error } | null = null;

  override async getObject(container: string, name: string, opts?: GetObjectOptions): Promise<Uint8Array> {
    this.gets.set(name, (this.gets.get(name) ?? 0) + 1);
    if (this.failing?.match.test(name)) throw this.failing.error;
    return super.getObject(container, name, opts);
  }

  getsOf(match: RegExp): number {
    return [...this.gets].filter(([n]) => match.test(n)).reduce((sum, [, count]) => sum + count, 0);
  }
}

describe('permanent store errors fail at once, with their cause', () => {
  it('AuthError on the first call of a backup: one call, that very error', async () => {
    const store = new MemoryObjectStore();
    let calls = 0;
    const denied = new AuthError('s3: access denied (InvalidAccessKeyId)');
    store.ensureContainer = async () => {
      calls++;
      throw denied;
    };
    const ctx = makeDriver({ objectSize: 64 * KiB, workers: 0 }, store);
    const err = await rejectionOf(ctx.driver.backup(newBackupRecord({ volumeId: 'v' }), new BufferVolumeSource(makeVolume(200 * KiB, 1))));
    expect(err).toBe(denied);
    expect(calls).toBe(1);
  });

  it.each([
    ['a permanent BackendError', /_metadata$/, () => new BackendError('disk I/O error', false), 'E_BACKEND'],
    ['AuthError', /_metadata$/, () => new AuthError('token expired'), 'E_AUTH'],
    ['NotFoundError of a data object', /-00002$/, () => new NotFoundError('no object -00002'), 'E_NOT_FOUND'],
  ])('%s on a restore: one get of that object, that very error', async (_name, match, make, code) => {
    const store = new FailingGets();
    const ctx = makeDriver({ objectSize: 64 * KiB, workers: 0 }, store);
    const b = await backupBytes(ctx, makeVolume(300 * KiB, 2));
    const error = make();
    store.failing = { match, error };
    store.gets.clear();
    const err = await rejectionOf(ctx.driver.restore(b.record, 'restored', new BufferRestoreTarget()));
    expect(err).toMatchObject({ code });
    // The store's error itself, or one that keeps it as its cause and says what it is.
    expect(err === error || ((err as Error).cause === error && (err as Error).message.includes(error.message))).toBe(true);
    expect(store.getsOf(match)).toBe(1);
  });
});
