import { expect } from 'vitest';
import { newBackupRecord, type BackupRecord } from '../src/backup-record.js';
import { StoreCatalog } from '../src/catalog.js';
import { ChunkedBackupDriver } from '../src/chunked-backup-driver.js';
import type { ObjectStore } from '../src/object-store.js';
import { storeProblems } from '../src/testing/store-soundness.js';
import { BufferVolumeSource } from '../src/volume-source.js';
import { KiB } from './engine-helpers.js';

/** A promise that something opens (or reports as reached) from elsewhere. */
export interface Gate {
  open(): void;
  readonly opened: Promise<void>;
}

export function gate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** A driver that finds backups in the store itself, as a separate process would. */
export function storeDriver(store: ObjectStore): ChunkedBackupDriver {
  return new ChunkedBackupDriver(store, { objectSize: 64 * KiB, compression: 'none', workers: 0 });
}

/** Backs up `data` as volume `vol`, on `parent` when given. */
export async function backUp(driver: ChunkedBackupDriver, data: Uint8Array, parent?: BackupRecord, id?: string): Promise<BackupRecord> {
  const record = newBackupRecord({ volumeId: 'vol', parentId: parent?.id ?? null, ...(id ? { id } : {}) });
  return (await driver.backup(record, new BufferVolumeSource(data))).record;
}

/** What a promise settled with: the value, or the error's code and message. */
export async function outcomeOf<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; code: string; message: string }> {
  try {
    return { ok: true, value: await p };
  } catch (err) {
    return { ok: false, code: String((err as { code?: unknown }).code ?? 'untyped'), message: String((err as Error).message) };
  }
}

/** Every object in the store, as `container/name`. */
export async function everyObject(store: ObjectStore): Promise<string[]> {
  const all: string[] = [];
  for (const c of (await store.listContainers?.()) ?? []) for (const n of await store.listObjects(c, '')) all.push(`${c}/${n}`);
  return all.sort();
}

/** The store is sound (see storeProblems); returns the backups it lists. */
export async function expectConsistent(store: ObjectStore, contents: Map<string, string>): Promise<BackupRecord[]> {
  expect(await storeProblems(store, contents)).toEqual([]);
  return new StoreCatalog(store).list();
}
