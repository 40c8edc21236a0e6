import { MemoryObjectStore } from '@volback/core';
import { describe, expect, it } from 'vitest';
import { faultInjectingStore, InjectedFault, TRANSIENT_FAULT_KINDS, type FaultKind, type FaultOptions } from '../src/index.js';
import { rejectionOf } from '../src/test-data.js';

const C = 'c';

/** A memory store holding `count` objects of 100 bytes, named o0, o1, ... */
async function filledStore(count: number): Promise<MemoryObjectStore> {
  const store = new MemoryObjectStore();
  await store.ensureContainer(C);
  for (let i = 0; i < count; i++) await store.putObject(C, `o${i}`, new Uint8Array(100).fill(i));
  return store;
}

/** Each get's outcome: 'ok', the error's message, or the length a short body came back with. */
async function outcomesOfGets(options: FaultOptions, count = 200): Promise<string[]> {
  const store = faultInjectingStore(await filledStore(count), options);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    try {
      const bytes = await store.getObject(C, `o${i}`);
      out.push(bytes.length === 100 ? 'ok' : `short ${bytes.length}`);
    } catch (err) {
      out.push((err as Error).message);
    }
  }
  return out;
}

describe('faultInjectingStore', () => {
  it('fails about the share of calls asked for, with a transient BackendError of each kind, and counts them', async () => {
    const store = faultInjectingStore(await filledStore(1000), { rate: 0.2, seed: 3 });
    let failed = 0;
    for (let i = 0; i < 1000; i++) {
      const err = await rejectionOf(store.getObject(C, `o${i}`));
      if (err === null) continue;
      failed++;
      expect(err).toMatchObject({ code: 'E_BACKEND', transient: true });
      expect((err as Error).cause).toBeInstanceOf(InjectedFault);
    }
    expect(failed).toBeGreaterThan(150);
    expect(failed).toBeLessThan(250);
    expect(store.faults.total).toBe(failed);
    expect(store.faults.calls.get).toBe(1000);
    expect(store.faults.faultsByCall.get).toBe(failed);
    for (const kind of TRANSIENT_FAULT_KINDS) expect(store.faults.faultsByKind[kind], kind).toBeGreaterThan(10);
    expect(store.faults.faultsByKind['truncated-body'], 'opt-in only').toBe(0);
  });

  it.each([
    ['timeout', /: request timed out after 5 ms$/, 'ETIMEDOUT', undefined],
    ['connection-reset', /: socket hang up \(ECONNRESET\)$/, 'ECONNRESET', undefined],
    ['http-500', /: HTTP 500 InternalError$/, undefined, 500],
    ['http-503', /: HTTP 503 SlowDown$/, undefined, 503],
    ['throttled', /: HTTP 429 Too Many Requests$/, undefined, 429],
  ] as const)('%s fails every kind of call as a backend would say it', async (kind, message, code, status) => {
    const inner = await filledStore(1);
    const store = faultInjectingStore(inner, { rate: 1, kinds: [kind] });
    const calls = [
      () => store.ensureContainer(C),
      () => store.putObject(C, 'p', new Uint8Array(3)),
      () => store.getObject(C, 'o0'),
      () => store.deleteObject(C, 'p'),
      () => store.listObjects(C, ''),
      () => (store.listContainers as NonNullable<typeof store.listContainers>)(),
    ];
    for (const call of calls) {
      const err = await rejectionOf(call());
      expect(err).toMatchObject({ code: 'E_BACKEND', transient: true });
      expect((err as Error).message).toMatch(/^injected fault: /);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).cause).toMatchObject({ kind, code, status });
    }
    expect(store.faults.faultsByKind[kind]).toBe(calls.length);
  });

  it('a short read rejects, transiently, saying how much of the body came', async () => {
    const outcomes = await outcomesOfGets({ rate: 1, kinds: ['short-read'] }, 20);
    for (const o of outcomes) {
      const [, got, of] = /: body ended after (\d+) of (\d+) bytes$/.exec(o) ?? [];
      expect(Number(of), o).toBe(100);
      expect(Number(got)).toBeLessThan(100);
    }
  });

  it('a short read leaves no right bytes behind in a lent buffer', async () => {
    const store = faultInjectingStore(await filledStore(1), { rate: 1, kinds: ['short-read'] });
    const lent = new Uint8Array(100);
    await rejectionOf(store.getObject(C, 'o0', { allocate: (n) => lent.subarray(0, n) }));
    // Object o0 is all zeros: whatever the break left behind is not that.
    expect(lent.some((b) => b !== 0)).toBe(true);
  });

  it('a truncated body comes back silently shorter, when asked for, and only on gets', async () => {
    const outcomes = await outcomesOfGets({ rate: 1, kinds: ['truncated-body'] }, 20);
    expect(
      outcomes.every((o) => /^short \d+$/.test(o)),
      outcomes.join(),
    ).toBe(true);
    const store = faultInjectingStore(new MemoryObjectStore(), { rate: 1, kinds: ['truncated-body'] });
    await store.putObject(C, 'p', new Uint8Array(5));
    expect(await store.listObjects(C, '')).toEqual(['p']);
    expect(store.faults.total).toBe(0);
  });

  it('the same seed fails the same calls the same way; another seed, others', async () => {
    const a = await outcomesOfGets({ rate: 0.3, seed: 11 });
    const b = await outcomesOfGets({ rate: 0.3, seed: 11 });
    const c = await outcomesOfGets({ rate: 0.3, seed: 12 });
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('draws per call, not in call order: the same calls in another order meet the same faults', async () => {
    const store = await filledStore(100);
    const forwards = faultInjectingStore(store, { rate: 0.3, seed: 5 });
    const backwards = faultInjectingStore(store, { rate: 0.3, seed: 5 });
    const failed = async (s: typeof forwards, order: number[]) => {
      const out = new Set<number>();
      await Promise.all(order.map(async (i) => ((await rejectionOf(s.getObject(C, `o${i}`))) ? out.add(i) : undefined)));
      return [...out].sort((x, y) => x - y);
    };
    const ids = Array.from({ length: 100 }, (_, i) => i);
    expect(await failed(backwards, [...ids].reverse())).toEqual(await failed(forwards, ids));
  });

  it('a retry of a failed call draws afresh', async () => {
    const store = faultInjectingStore(await filledStore(1), { rate: 0.5, seed: 2 });
    const outcomes = new Set<string>();
    for (let i = 0; i < 40; i++) outcomes.add((await rejectionOf(store.getObject(C, 'o0'))) === null ? 'ok' : 'failed');
    expect([...outcomes].sort()).toEqual(['failed', 'ok']);
  });

  it('a timeout, a reset or a 500 may come after the backend did the work', async () => {
    const inner = new MemoryObjectStore();
    const store = faultInjectingStore(inner, { rate: 1, kinds: ['timeout', 'connection-reset', 'http-500'] });
    for (let i = 0; i < 40; i++) await rejectionOf(store.putObject(C, `p${i}`, new Uint8Array(1)));
    const stored = (await inner.listObjects(C, '')).length;
    expect(stored, 'some puts were done though they failed').toBeGreaterThan(0);
    expect(stored, 'others never reached the store').toBeLessThan(40);
  });

  it('a 503 or a 429 never lets the call through', async () => {
    const inner = new MemoryObjectStore();
    const store = faultInjectingStore(inner, { rate: 1, kinds: ['http-503', 'throttled'] });
    for (let i = 0; i < 40; i++) await rejectionOf(store.putObject(C, `p${i}`, new Uint8Array(1)));
    expect(await inner.listObjects(C, '')).toEqual([]);
  });

  it('fails only the kinds of call given a rate, and only the calls the filter takes', async () => {
    const inner = await filledStore(3);
    const store = faultInjectingStore(inner, { rate: { get: 1 }, filter: (c) => c.name !== 'o1' });
    await store.putObject(C, 'p', new Uint8Array(1));
    await store.listObjects(C, '');
    expect(await rejectionOf(store.getObject(C, 'o0'))).toMatchObject({ transient: true });
    expect(await rejectionOf(store.getObject(C, 'o1'))).toBeNull();
    expect(store.faults.total).toBe(1);
    expect(store.faults.calls).toMatchObject({ put: 1, list: 1, get: 2 });
  });

  it('lets every call through, uncounted, while disabled', async () => {
    const store = faultInjectingStore(await filledStore(1), { rate: 1 });
    store.enabled = false;
    expect((await store.getObject(C, 'o0')).length).toBe(100);
    expect(store.faults.calls.get).toBe(0);
    store.enabled = true;
    expect(await rejectionOf(store.getObject(C, 'o0'))).not.toBeNull();
  });

  it('a timeout being waited out ends at once, E_CANCELLED, when the call is cancelled', async () => {
    const store = faultInjectingStore(await filledStore(1), { rate: 1, kinds: ['timeout'], timeoutMs: 3_600_000 });
    const controller = new AbortController();
    const pending = rejectionOf(store.getObject(C, 'o0', { signal: controller.signal }));
    setImmediate(() => controller.abort());
    expect(await pending).toMatchObject({ code: 'E_CANCELLED' });
  }, 10_000);

  it('offers the optional calls the store has, and only those', async () => {
    const plain = faultInjectingStore(new MemoryObjectStore(), { rate: 0 });
    expect(plain.flush).toBeUndefined();
    expect(plain.listMetadataObjects).toBeUndefined();
    expect(typeof plain.listContainers).toBe('function');
    const flushed: string[] = [];
    const withFlush = Object.assign(new MemoryObjectStore(), { flush: async (c: string) => void flushed.push(c) });
    const wrapped = faultInjectingStore(withFlush, { rate: { flush: 1 }, kinds: ['http-503'] });
    expect(await rejectionOf((wrapped.flush as NonNullable<typeof wrapped.flush>)(C))).toMatchObject({ transient: true });
    expect(wrapped.faults.faultsByCall.flush).toBe(1);
  });

  it.each([-0.1, 1.5, Number.NaN])('refuses a rate of %s', async (rate) => {
    expect(() => faultInjectingStore(new MemoryObjectStore(), { rate })).toThrow(RangeError);
    expect(() => faultInjectingStore(new MemoryObjectStore(), { rate: { put: rate } })).toThrow(RangeError);
  });

  it('a kind no call can have leaves calls alone', async () => {
    const kinds: FaultKind[] = ['short-read'];
    const store = faultInjectingStore(new MemoryObjectStore(), { rate: 1, kinds });
    await store.putObject(C, 'p', new Uint8Array(1));
    expect(store.faults.total).toBe(0);
  });
});
