import { describe, expect, it } from 'vitest';
import {
  defineObjectStore,
  objectStoreLayout,
  posixLayout,
  storeErrors,
  type ListPage,
  type ObjectStoreDefinition,
} from '../src/driver.js';

/** A transport over a map, with hooks to make it misbehave the ways real ones do. */
function transport(overrides: Partial<ObjectStoreDefinition> = {}): {
  def: ObjectStoreDefinition;
  keys: Map<string, Uint8Array>;
  calls: string[];
} {
  const keys = new Map<string, Uint8Array>();
  const calls: string[] = [];
  const def: ObjectStoreDefinition = {
    service: 'test.Service',
    layout: objectStoreLayout({ availabilityZone: 'nova', defaultContainer: 'bucket', keyPrefix: 'team/a' }),
    maxConcurrency: 2,
    async ensureContainer() {},
    async put(_c, key, data) {
      calls.push(`put ${key}`);
      keys.set(key, new Uint8Array(data));
    },
    async get(_c, key, call) {
      calls.push(`get ${key}`);
      const data = keys.get(key);
      if (!data) throw Object.assign(new Error('no such key'), { $metadata: { httpStatusCode: 404 } });
      const into = call.allocate(data.length);
      into.set(data);
      return into;
    },
    async delete(_c, key) {
      keys.delete(key);
    },
    async listPage(_c, { prefix, cursor }): Promise<ListPage> {
      // Two names a page, and looser than asked: everything under the key prefix, as a sloppy server might.
      const all = [...keys.keys()].filter((k) => k.startsWith('team/a/')).sort();
      const from = cursor === undefined ? 0 : Number(cursor);
      calls.push(`list ${prefix} ${from}`);
      const names = all.slice(from, from + 2);
      return from + 2 < all.length ? { names, next: String(from + 2) } : { names };
    },
    ...overrides,
  };
  return { def, keys, calls };
}

describe('defineObjectStore', () => {
  it('puts every key under the layout key prefix and lists names without it, exactly the asked prefix, every page', async () => {
    const { def, keys } = transport();
    const store = defineObjectStore('test', def);
    for (const name of ['a', 'a-1', 'ab', 'b', 'a_metadata']) await store.putObject('c', name, new Uint8Array([1]));
    expect([...keys.keys()].sort()).toEqual(['team/a/a', 'team/a/a-1', 'team/a/a_metadata', 'team/a/ab', 'team/a/b']);
    expect(await store.listObjects('c', 'a')).toEqual(['a', 'a-1', 'a_metadata', 'ab']);
    expect(await store.listObjects('c', 'a-')).toEqual(['a-1']);
    expect(await store.listMetadataObjects?.('c')).toEqual(['a_metadata']);
  });

  it('takes its naming from the declared layout', async () => {
    const record = { id: 'b1', volumeId: 'v1', createdAt: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) } as Parameters<
      ReturnType<typeof defineObjectStore>['objectNamePrefix']
    >[0];
    const bucket = defineObjectStore('test', transport().def);
    expect(bucket.objectNamePrefix(record)).toBe('volume_v1/20240102030405/az_nova_backup_b1');
    expect(bucket.containerFor('b1', null)).toBe('bucket');
    expect(bucket.containerFor('b1', 'mine')).toBe('mine');
    const tree = defineObjectStore('test', { ...transport().def, layout: posixLayout() });
    expect(tree.objectNamePrefix(record)).toBe('volume_v1_20240102030405_backup_b1');
    expect(tree.containerFor('b1abcd', null)).toBe('b1/ab/b1abcd');
  });

  it('refuses names no store should see before calling the transport', async () => {
    const { def, calls } = transport({ layout: posixLayout() });
    const store = defineObjectStore('test', def);
    for (const name of ['', '.', '..', 'a\0b', 'dir/name', 'x'.repeat(1025)]) {
      await expect(store.getObject('c', name)).rejects.toMatchObject({
        code: 'E_INVALID_BACKUP',
        message: expect.stringMatching(/^test: object name/),
      });
    }
    await expect(store.putObject('', 'a', new Uint8Array(1))).rejects.toMatchObject({ code: 'E_INVALID_BACKUP' });
    expect(calls).toEqual([]);
  });

  it('types raw transport errors and names the driver', async () => {
    const store = defineObjectStore('test', transport().def);
    await expect(store.getObject('c', 'missing')).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
      message: expect.stringMatching(/^test: GET c\/team\/a\/missing failed \(404\)/),
    });
    const failing = (err: unknown) => defineObjectStore('test', transport({ put: async () => Promise.reject(err) }).def);
    await expect(
      failing(Object.assign(new Error('reset'), { code: 'ECONNRESET' })).putObject('c', 'a', new Uint8Array(1)),
    ).rejects.toMatchObject({ code: 'E_BACKEND', transient: true });
    await expect(failing(Object.assign(new Error('no'), { statusCode: 403 })).putObject('c', 'a', new Uint8Array(1))).rejects.toMatchObject(
      { code: 'E_AUTH' },
    );
    await expect(
      failing(Object.assign(new Error('full'), { code: 'ENOSPC' })).putObject('c', 'a', new Uint8Array(1)),
    ).rejects.toMatchObject({ code: 'E_BACKEND', transient: false });
    await expect(
      failing(Object.assign(new Error('slow'), { $metadata: { httpStatusCode: 503 } })).putObject('c', 'a', new Uint8Array(1)),
    ).rejects.toMatchObject({ code: 'E_BACKEND', transient: true });
  });

  it('lets the definition classify its own errors first', async () => {
    const { def } = transport({
      put: async () => Promise.reject(Object.assign(new Error('x'), { name: 'SlowDown', $metadata: { httpStatusCode: 400 } })),
    });
    // Left to core, a 400 is permanent; the driver knows SlowDown is worth a retry.
    await expect(defineObjectStore('test', def).putObject('c', 'a', new Uint8Array(1))).rejects.toMatchObject({
      code: 'E_BACKEND',
      transient: false,
    });
    const refined = defineObjectStore('test', {
      ...def,
      classifyError: (err, what) =>
        (err as Error).name === 'SlowDown' ? storeErrors('test').backend(`${what}: slow down`, true) : undefined,
    });
    await expect(refined.putObject('c', 'a', new Uint8Array(1))).rejects.toMatchObject({
      message: 'test: PUT c/team/a/a: slow down',
      transient: true,
    });
  });

  it('gives up a call that ignores the signal as soon as it aborts, and lends no buffer after', async () => {
    let lentAfterAbort: unknown;
    let release: () => void = () => undefined;
    const { def } = transport({
      async get(_c, _key, call) {
        await new Promise<void>((resolve) => (release = resolve));
        try {
          call.allocate(4);
        } catch (err) {
          lentAfterAbort = err;
        }
        return new Uint8Array(4);
      },
    });
    const store = defineObjectStore('test', def);
    const controller = new AbortController();
    const lend = (n: number) => new Uint8Array(n);
    const started = Date.now();
    const reading = store.getObject('c', 'a', { signal: controller.signal, allocate: lend });
    setTimeout(() => controller.abort(), 20);
    await expect(reading).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(Date.now() - started).toBeLessThan(1000);
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(lentAfterAbort).toMatchObject({ code: 'E_CANCELLED' });
  });

  it('never calls the transport with an already aborted signal', async () => {
    const { def, calls } = transport();
    const store = defineObjectStore('test', def);
    const controller = new AbortController();
    controller.abort();
    await expect(store.putObject('c', 'a', new Uint8Array(1), { signal: controller.signal })).rejects.toMatchObject({
      code: 'E_CANCELLED',
    });
    expect(calls).toEqual([]);
  });

  it('fails a listing that goes round instead of looping forever', async () => {
    const { def } = transport({ listPage: async () => ({ names: ['team/a/x'], next: 'same' }) });
    const store = defineObjectStore('test', def);
    await expect(store.listObjects('c', '')).rejects.toMatchObject({
      code: 'E_BACKEND',
      message: expect.stringContaining('cursor it had already given'),
    });
  });

  it('offers flush, listContainers and removeIncompleteWrites only where the transport has them', () => {
    const bare = defineObjectStore('test', transport().def);
    expect(bare.flush).toBeUndefined();
    expect(bare.listContainers).toBeUndefined();
    expect(bare.removeIncompleteWrites).toBeUndefined();
    const full = defineObjectStore(
      'test',
      transport({ flush: async () => {}, listContainers: async () => [], removeIncompleteWrites: async () => 0 }).def,
    );
    expect(typeof full.flush).toBe('function');
    expect(typeof full.listContainers).toBe('function');
    expect(typeof full.removeIncompleteWrites).toBe('function');
  });
});
