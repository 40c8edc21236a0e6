import { afterEach, describe, expect, it, vi } from 'vitest';
import { newBackupRecord, type BackupRecord } from '../src/backup-record.js';
import type { ChunkedDriverOptions } from '../src/chunked-backup-driver.js';
import { BufferPool } from '../src/engine/memory/buffer-pool.js';
import { SharedArena } from '../src/engine/memory/shared-arena.js';
import type { WebAssemblyApi } from '../src/engine/memory/web-assembly.js';
import { md5LanesWanted } from '../src/engine/hashing/md5-lanes-loader.js';
import { ConfigError } from '../src/errors.js';
import { MemoryObjectStore } from '../src/memory-object-store.js';
import { makeVolume, sha256Hex } from '../src/testing/test-data.js';
import { BufferVolumeSource } from '../src/volume-source.js';
import { KiB, makeDriver, MiB, restoreBytes } from './engine-helpers.js';

const realWasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** The real WebAssembly, counting the kernel instances made: each is one backup's MD5 lanes. */
function countingWasm(): { instances: () => number } {
  let count = 0;
  class CountingInstance extends (realWasm.Instance as unknown as new (m: object, i: object) => object) {
    constructor(module: object, imports: object) {
      super(module, imports);
      count++;
    }
  }
  vi.stubGlobal('WebAssembly', { Memory: realWasm.Memory, Module: realWasm.Module, Instance: CountingInstance });
  return { instances: () => count };
}

// Many chunks of a full backup, in an arena large enough for the lanes (1 MiB or more).
const VOLUME = makeVolume(3 * MiB + 4097, 21);
const RECORD: BackupRecord = newBackupRecord({ volumeId: 'vol-1' });

/** A full backup of VOLUME as RECORD, then its restore; every stored object, by name. */
async function fullBackup(options: ChunkedDriverOptions) {
  const store = new MemoryObjectStore();
  const ctx = makeDriver({ workers: 0, ...options }, store);
  const { record } = await ctx.driver.backup(RECORD, new BufferVolumeSource(VOLUME));
  ctx.catalog.put(record);
  const restored = await restoreBytes(ctx, record);
  const container = record.container as string;
  const objects = new Map<string, string>();
  for (const name of await store.listObjects(container, record.serviceMetadata as string)) {
    objects.set(name, sha256Hex(await store.getObject(container, name)));
  }
  return { restored, objects };
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

describe('the MD5 lanes switch', () => {
  it('is on unless the option or VOLBACK_MD5_LANES turns it off', () => {
    expect(md5LanesWanted(undefined, {})).toBe(true);
    expect(md5LanesWanted(true, {})).toBe(true);
    expect(md5LanesWanted(false, {})).toBe(false);
    for (const off of ['0', 'false', 'OFF', ' no ']) expect(md5LanesWanted(true, { VOLBACK_MD5_LANES: off }), off).toBe(false);
    for (const on of ['1', 'true', 'on', '']) expect(md5LanesWanted(undefined, { VOLBACK_MD5_LANES: on }), on).toBe(true);
    // The variable can only switch them off: a host's `false` stands.
    expect(md5LanesWanted(false, { VOLBACK_MD5_LANES: '1' })).toBe(false);
  });

  it('refuses a value it does not know, naming the variable', () => {
    let err: unknown;
    try {
      md5LanesWanted(undefined, { VOLBACK_MD5_LANES: 'fast' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ field: 'VOLBACK_MD5_LANES', message: expect.stringContaining('"fast"') });
  });
});

describe('loading the MD5 lanes', () => {
  /** loadMd5Lanes of a fresh copy of the engine: it loads once a process. */
  async function freshLoad() {
    vi.resetModules();
    const { loadMd5Lanes } = await import('../src/engine/hashing/md5-lanes-loader.js');
    return loadMd5Lanes();
  }

  it('gives the lanes where WebAssembly works', async () => {
    const lanes = await freshLoad();
    expect(typeof lanes?.Md5Lanes).toBe('function');
  });

  it('gives null without WebAssembly, and memory falls back to plain buffers', async () => {
    vi.stubGlobal('WebAssembly', undefined);
    expect(await freshLoad()).toBeNull();
    expect(SharedArena.orPool(8 * MiB, 6)).toBeInstanceOf(BufferPool);
    expect(() => new SharedArena(8 * MiB, 6)).toThrow(expect.objectContaining({ code: 'E_UNSUPPORTED' }));
  });

  it('gives null when the kernels do not compile (WebAssembly without SIMD)', async () => {
    class NoSimd {
      constructor() {
        throw new Error('WebAssembly.Module(): invalid opcode 0xfd');
      }
    }
    vi.stubGlobal('WebAssembly', { Memory: realWasm.Memory, Module: NoSimd, Instance: realWasm.Instance });
    expect(await freshLoad()).toBeNull();
  });
});

describe('a full backup with and without the MD5 lanes', () => {
  it('uses the lanes by default, and stores the same bytes with them off, by option or environment', async () => {
    const wasm = countingWasm();
    const on = await fullBackup({});
    expect(wasm.instances()).toBe(1);
    expect(sha256Hex(on.restored)).toBe(sha256Hex(VOLUME));
    expect(on.objects.size).toBeGreaterThan(10);

    const byOption = await fullBackup({ md5Lanes: false });
    vi.stubEnv('VOLBACK_MD5_LANES', '0');
    const byEnv = await fullBackup({});
    expect(wasm.instances()).toBe(1);
    for (const off of [byOption, byEnv]) {
      expect(off.objects).toEqual(on.objects);
      expect(sha256Hex(off.restored)).toBe(sha256Hex(VOLUME));
    }
  });

  it('backs up and restores bit-exact in a process without WebAssembly, storing the same bytes', async () => {
    const on = await fullBackup({});
    vi.stubGlobal('WebAssembly', undefined);
    const without = await fullBackup({});
    expect(without.objects).toEqual(on.objects);
    expect(sha256Hex(without.restored)).toBe(sha256Hex(VOLUME));
  });

  it('refuses a bad VOLBACK_MD5_LANES when the driver is made, before any backup', () => {
    vi.stubEnv('VOLBACK_MD5_LANES', 'maybe');
    expect(() => makeDriver({ objectSize: 256 * KiB })).toThrow(ConfigError);
  });
});
