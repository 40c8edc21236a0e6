import type { StoreGroup } from './store-group.js';
import { describeDifference, errorCodeOf } from './test-data.js';

/**
 * What one call may touch: reads, listings and deletes in one container leave every other
 * container alone, and a delete removes the one name it is given, not the names it begins.
 */
export function defineStoreIsolationTests(group: StoreGroup): void {
  const { t, expect, rnd } = group;

  t.test('containers are kept apart: reading, listing and deleting in one does not touch another', async () => {
    await group.withScratch(async (s) => {
      const store = group.store;
      const other = await s.otherContainer();
      const name = `${s.prefix}same-name`;
      const here = rnd.bytes(3000);
      const there = rnd.bytes(2000);
      await s.put(name, here);
      await s.put(`${s.prefix}only-here`, rnd.bytes(10));
      await s.put(`${s.prefix}only-here_metadata`, rnd.bytes(10));
      await s.put(name, there, other);

      expect(describeDifference(await store.getObject(s.container, name), here), 'the first container keeps its own bytes').toBeNull();
      expect(describeDifference(await store.getObject(other, name), there), 'the second container keeps its own bytes').toBeNull();
      expect((await store.listObjects(s.container, s.prefix)).sort(), 'listing the first container').toEqual(
        [`${s.prefix}only-here`, `${s.prefix}only-here_metadata`, name].sort(),
      );
      expect(await store.listObjects(other, s.prefix), "listing the second container shows none of the first's names").toEqual([name]);
      expect(await errorCodeOf(store.getObject(other, `${s.prefix}only-here`)), "reading the first container's object in the second").toBe(
        'E_NOT_FOUND',
      );
      if (store.listMetadataObjects) {
        const found = await store.listMetadataObjects(other);
        expect(
          found.filter((n) => n.startsWith(s.prefix)),
          "listMetadataObjects of the second container shows none of the first's",
        ).toEqual([]);
      }

      await store.deleteObject(other, name);
      expect(
        describeDifference(await store.getObject(s.container, name), here),
        'a delete in the second container leaves the first',
      ).toBeNull();
      expect(await errorCodeOf(store.getObject(other, name)), 'the object deleted from the second container').toBe('E_NOT_FOUND');
      await store.deleteObject(other, `${s.prefix}only-here`);
      expect(await store.listObjects(s.container, `${s.prefix}only-here`), 'deleting a name the second container lacks').toEqual([
        `${s.prefix}only-here`,
        `${s.prefix}only-here_metadata`,
      ]);
    });
  });

  t.test('deleteObject removes exactly the named object, not others that start with its name', async () => {
    await group.withScratch(async (s) => {
      const store = group.store;
      const base = `${s.prefix}a`;
      // Cinder's names share long prefixes: a backup's `-00001` and `_metadata` begin with its prefix.
      const tails = ['-1', '-10', 'b', '_', '_metadata', '_sha256file', ...(group.caps.slashInNames ? ['/b'] : [])];
      const kept = [...tails.map((tail) => base + tail), `${s.prefix}A`];
      const payloads = new Map(kept.map((n) => [n, rnd.bytes(64)]));
      await s.put(base, rnd.bytes(64));
      for (const [n, data] of payloads) await s.put(n, data);

      await store.deleteObject(s.container, base);
      expect(await errorCodeOf(store.getObject(s.container, base)), `the deleted ${JSON.stringify(base)}`).toBe('E_NOT_FOUND');
      const left = (await store.listObjects(s.container, s.prefix)).sort();
      expect(left, `what is left after deleting ${JSON.stringify(base)}`).toEqual([...kept].sort());
      for (const [n, data] of payloads)
        expect(describeDifference(await store.getObject(s.container, n), data), `${JSON.stringify(n)} still reads back`).toBeNull();

      await store.deleteObject(s.container, `${base}-1`);
      expect((await store.listObjects(s.container, `${base}-`)).sort(), `after deleting ${JSON.stringify(`${base}-1`)}`).toEqual([
        `${base}-10`,
      ]);
    });
  });
}
