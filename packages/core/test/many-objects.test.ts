import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/testing/test-data.js';
import { backupBytes, makeDriver, restoreBytes } from './engine-helpers.js';

describe('a backup of very many objects', () => {
  // More objects than one JavaScript call takes arguments (a 1 TiB volume has 131072 of 8 MiB):
  // nothing on the way may spread the object list into a call.
  it('restores 140,000 objects', async () => {
    const ctx = makeDriver({ objectSize: 512, hashBlockSize: 512, compression: 'none' });
    const volume = new Uint8Array(140_000 * 512);
    for (let i = 0; i < volume.length; i += 4096) volume[i] = (i / 4096) % 251;
    const b = await backupBytes(ctx, volume);
    expect(b.record.objectCount).toBe(140_000);
    expect(sha256Hex(await restoreBytes(ctx, b.record))).toBe(sha256Hex(volume));
  }, 120_000);
});
