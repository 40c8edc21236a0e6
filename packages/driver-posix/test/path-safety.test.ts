import { readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidBackupError, type ObjectStore } from '@volback/core';
import { createPosixStore, TEMP_FILE_PREFIX } from '../src/index.js';
import { makeTempDir } from './temp-root.js';

// The store lives one level down, so a name escaping it would land in `outer` where we can see it.
let outer: string;
let cleanup: () => Promise<void>;
let store: ObjectStore;
beforeEach(async () => {
  ({ dir: outer, cleanup } = await makeTempDir('safety'));
  store = createPosixStore({ root: join(outer, 'root') });
  await store.ensureContainer('ok');
  await writeFile(join(outer, 'secret'), 'outside the root');
});
afterEach(async () => {
  await cleanup();
});

const BAD_CONTAINERS: Array<[string, string]> = [
  ['absolute path', '/etc'],
  ['absolute path to the outer dir', '/tmp'],
  ['parent segment', '..'],
  ['parent segment inside', 'ok/../..'],
  ['trailing parent segment', 'ok/..'],
  ['dot segment', './ok'],
  ['empty container', ''],
  ['empty segment', 'ok//x'],
  ['trailing slash', 'ok/'],
  ['NUL byte', 'ok\0x'],
  ['backslash', '..\\..\\x'],
];

const BAD_OBJECT_NAMES: Array<[string, string]> = [
  ['slash', 'a/b'],
  ['parent', '..'],
  ['parent path', '../secret'],
  ['dot', '.'],
  ['empty', ''],
  ['NUL byte', 'a\0b'],
  ['backslash', 'a\\b'],
  ['absolute', '/etc/passwd'],
  ['temporary', `${TEMP_FILE_PREFIX}0123`],
];

describe('container names that would leave the root are refused', () => {
  for (const [what, container] of BAD_CONTAINERS) {
    it(`${what}: ${JSON.stringify(container)}`, async () => {
      const calls: Array<Promise<unknown>> = [
        store.ensureContainer(container),
        store.putObject(container, 'secret', new Uint8Array([1])),
        store.getObject(container, 'secret'),
        store.deleteObject(container, 'secret'),
        store.listObjects(container, ''),
      ];
      for (const call of calls) {
        const err = await call.then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(InvalidBackupError);
        expect(err).toMatchObject({ code: 'E_INVALID_BACKUP' });
      }
    });
  }
});

describe('object names that are not one segment are refused', () => {
  for (const [what, name] of BAD_OBJECT_NAMES) {
    it(`${what}: ${JSON.stringify(name)}`, async () => {
      const calls: Array<Promise<unknown>> = [
        store.putObject('ok', name, new Uint8Array([1])),
        store.getObject('ok', name),
        store.deleteObject('ok', name),
      ];
      for (const call of calls) {
        const err = await call.then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(InvalidBackupError);
      }
    });
  }
});

describe('after the refusals', () => {
  it('nothing outside the root was touched', async () => {
    for (const [, container] of BAD_CONTAINERS) {
      await store.putObject(container, 'secret', new Uint8Array([1])).catch(() => undefined);
      await store.deleteObject(container, 'secret').catch(() => undefined);
    }
    for (const [, name] of BAD_OBJECT_NAMES) {
      await store.putObject('ok', name, new Uint8Array([1])).catch(() => undefined);
      await store.deleteObject('ok', name).catch(() => undefined);
    }
    expect((await readdir(outer)).sort()).toEqual(['root', 'secret']);
    expect(await readdir(join(outer, 'root', 'ok'))).toEqual([]);
    expect(dirname(store.localRoot ?? '')).toBe(outer);
  });

  it('ordinary nested containers and Cinder names still work', async () => {
    await store.ensureContainer('a/b.c/d-e_f');
    await store.putObject('a/b.c/d-e_f', 'volume_x_20240101000000_backup_y-00001', new Uint8Array([7]));
    expect(await store.getObject('a/b.c/d-e_f', 'volume_x_20240101000000_backup_y-00001')).toEqual(new Uint8Array([7]));
  });
});
