import { lstat, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { BufferVolumeSource, ChunkedBackupDriver, MemoryCatalog, newBackupRecord, type ObjectStore } from '@volback/core';
import { makeVolume, mutateVolume } from '@volback/core/testing';
import { createPosixStore } from '@volback/driver-posix';
import { afterAll, expect, it } from 'vitest';
import { createSftpStore } from '../src/index.js';
import { configFor, describeWithSshd, freshRoot } from './sftp-server.js';

/** Every entry below `dir`: its path, its mode, and a file's bytes. */
async function treeOf(dir: string): Promise<Map<string, { mode: number; bytes?: Buffer }>> {
  const tree = new Map<string, { mode: number; bytes?: Buffer }>();
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      const { mode } = await lstat(path);
      if (entry.isDirectory()) {
        tree.set(relative(dir, path), { mode });
        await walk(path);
      } else tree.set(relative(dir, path), { mode, bytes: await readFile(path) });
    }
  };
  await walk(dir);
  return tree;
}

describeWithSshd('the remote tree', (server) => {
  const local: string[] = [];
  afterAll(async () => {
    for (const dir of local) await rm(dir, { recursive: true, force: true });
  });

  it('holds exactly what driver-posix writes for the same backups (names, modes, bytes)', async () => {
    const posixRoot = await mkdtemp(join(tmpdir(), 'volback-sftp-vs-posix-'));
    local.push(posixRoot);
    const sftpRoot = await freshRoot(server, 'vs-posix');
    const v1 = makeVolume(3 * 1024 * 1024 + 5, 11);
    const v2 = mutateVolume(v1, 12);
    const full = {
      id: '5b0c7e2a-1d3f-4a6b-9c8d-7e6f5a4b3c2d',
      volumeId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      createdAt: new Date('2026-03-01T12:00:00Z'),
    };
    const incremental = { ...full, id: '6c1d8f3b-2e4a-4b7c-8d9e-8f7a6b5c4d3e', createdAt: new Date('2026-03-02T12:00:00Z') };

    async function backUp(store: ObjectStore): Promise<void> {
      const driver = new ChunkedBackupDriver(store, { catalog: new MemoryCatalog(), objectSize: 1024 * 1024, workers: 0 });
      const first = await driver.backup(newBackupRecord(full), new BufferVolumeSource(v1));
      await driver.catalog.put(first.record);
      await driver.backup(newBackupRecord({ ...incremental, parentId: full.id }), new BufferVolumeSource(v2));
      await store.close?.();
    }
    await backUp(createPosixStore({ root: posixRoot }));
    await backUp(createSftpStore(configFor(server, sftpRoot)));

    const expected = await treeOf(posixRoot);
    const actual = await treeOf(sftpRoot);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    // Both backups are there, incremental included: data objects, _sha256file and _metadata of each.
    expect([...expected.keys()].filter((p) => p.endsWith('_metadata'))).toHaveLength(2);
    for (const [path, want] of expected) {
      const got = actual.get(path)!;
      expect((got.mode & 0o7777).toString(8), path).toBe((want.mode & 0o7777).toString(8));
      expect(got.bytes?.equals(want.bytes ?? Buffer.alloc(0)) ?? want.bytes === undefined, path).toBe(true);
    }
  });
});
