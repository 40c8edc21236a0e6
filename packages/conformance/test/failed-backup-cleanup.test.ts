import {
  BackendError,
  BufferVolumeSource,
  ChunkedBackupDriver,
  DEFAULT_RETRY_POLICY,
  MemoryObjectStore,
  newBackupRecord,
} from '@volback/core';
import { describe, expect, it } from 'vitest';
import { faultInjectingStore } from '../src/index.js';
import { makeVolume, rejectionOf } from '../src/test-data.js';

/** A store whose `failAt`-th put fails for good, as a full disk does. */
class DiskFills extends MemoryObjectStore {
  puts = 0;
  readonly failure = new BackendError('no space left on device', false);

  constructor(private readonly failAt: number) {
    super();
  }

  override async putObject(container: string, name: string, data: Uint8Array): Promise<void> {
    if (++this.puts === this.failAt) throw this.failure;
    return super.putObject(container, name, data);
  }
}

describe('a backup that fails for good on a flaky store', () => {
  it('removes every object it wrote though half its listings and deletes fail, and throws the cause', async () => {
    const raw = new DiskFills(6);
    const store = faultInjectingStore(raw, { rate: { list: 0.5, delete: 0.5 }, seed: 4 });
    const driver = new ChunkedBackupDriver(store, {
      objectSize: 32 * 1024,
      retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1, maxDelayMs: 8 },
      workers: 0,
    });
    // Fixed names: the same calls meet the same faults on every run.
    const record = newBackupRecord({
      id: '5f0c4a3e-3b1d-4c6e-9a57-2d8e1f4b6c90',
      volumeId: 'vol-1',
      createdAt: new Date(Date.UTC(2024, 0, 1)),
    });
    const err = await rejectionOf(driver.backup(record, new BufferVolumeSource(makeVolume(400 * 1024, 9))));
    expect(err).toBe(raw.failure);
    expect(await raw.listObjects(raw.containerFor(record.id, null), '')).toEqual([]);
    expect(store.faults.faultsByCall.delete, 'deletes really failed').toBeGreaterThan(0);
    expect(store.faults.faultsByCall.list, 'listings really failed').toBeGreaterThan(0);
    await driver.close();
  });
});
