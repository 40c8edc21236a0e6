import { describe, expect, it } from 'vitest';
import { BackendError, ChunkedBackupDriver, MemoryCatalog } from '../src/index.js';
import { defineObjectStore, posixLayout } from '../src/driver.js';
import { createMemoryTransport } from './kit-memory-transport.js';

/** A store whose every transport call fails once, transiently, before it works. */
function flakyStore() {
  const failed = new Set<string>();
  const once = <T>(what: string, call: () => Promise<T>): Promise<T> => {
    if (failed.has(what)) return call();
    failed.add(what);
    return Promise.reject(new BackendError(`flaky ${what}`, true));
  };
  const t = createMemoryTransport();
  return defineObjectStore('flaky', {
    service: 'test.Flaky',
    layout: posixLayout(),
    maxConcurrency: 2,
    localRoot: '/srv/backups',
    ensureContainer: (c, call) => once('ensure', () => t.ensureContainer(c, call)),
    put: (c, k, d, call) => once('put', () => t.put(c, k, d, call)),
    get: (c, k, call) => once('get', () => t.get(c, k, call)),
    delete: (c, k, call) => once('delete', () => t.delete(c, k, call)),
    listPage: (c, q, call) => once('list', () => t.listPage(c, q, call)),
    listContainers: () => once('containers', async () => ['c']),
    removeIncompleteWrites: () => once('prune', async () => 3),
  });
}

describe("the driver's engine store, which hosts use for their own calls", () => {
  it('retries every call a host makes, prune and container listings included, and keeps what hosts read', async () => {
    const driver = new ChunkedBackupDriver(flakyStore(), {
      catalog: new MemoryCatalog(),
      workers: 0,
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const store = driver.engineStore;
    expect(store.localRoot).toBe('/srv/backups');
    await store.ensureContainer('c');
    await store.putObject('c', 'x', new Uint8Array([1, 2]));
    expect(await store.getObject('c', 'x')).toEqual(new Uint8Array([1, 2]));
    expect(await store.listObjects('c', '')).toEqual(['x']);
    await store.deleteObject('c', 'x');
    expect(await store.listContainers?.()).toEqual(['c']);
    expect(await store.removeIncompleteWrites?.(new Date(), { dryRun: true })).toBe(3);
    await driver.close();
  });
});
