import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BufferVolumeSource, ChunkedBackupDriver, newBackupRecord } from '@volback/core';
import { makeVolume, mutateVolume } from '@volback/core/testing';
import { createPosixStore } from '@volback/driver-posix';
import { afterAll, expect, it } from 'vitest';
import { createNfsStore } from '../src/index.js';
import { configFor, describeWithGanesha, uniqueRoot } from './ganesha-server.js';

const MiB = 1024 * 1024;

/** Every file below `dir` with its mode and bytes, by relative path, sorted: what is really on disk. */
async function treeOf(dir: string): Promise<[string, { mode: number; sha: string; size: number }][]> {
  const out: [string, { mode: number; sha: string; size: number }][] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = join(e.parentPath, e.name);
    const info = await stat(full);
    const bytes = e.isFile() ? await readFile(full) : Buffer.alloc(0);
    out.push([
      full.slice(dir.length + 1),
      { mode: info.mode, size: bytes.length, sha: (await import('node:crypto')).createHash('sha256').update(bytes).digest('hex') },
    ]);
  }
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describeWithGanesha('a backup through nfs and the same backup through posix', (server) => {
  const nfsRoot = uniqueRoot('same-nfs');
  const posixRoot = join(server.exportDir, uniqueRoot('same-posix'));
  afterAll(async () => {
    await rm(join(server.exportDir, nfsRoot), { recursive: true, force: true });
    await rm(posixRoot, { recursive: true, force: true });
  });

  it('are the same tree of the same files, byte for byte and mode for mode (full and incremental)', async () => {
    const volumeId = globalThis.crypto.randomUUID();
    const v1 = makeVolume(5 * MiB + 4321, 17);
    const v2 = mutateVolume(v1, 18);
    const fullId = globalThis.crypto.randomUUID();
    const incrementalId = globalThis.crypto.randomUUID();
    const createdAt = new Date('2026-12-01T10:20:30Z');
    const later = new Date('2026-12-01T11:00:00Z');
    for (const store of [createNfsStore(configFor(server, nfsRoot)), createPosixStore({ root: posixRoot })]) {
      const driver = new ChunkedBackupDriver(store, { objectSize: MiB });
      // The same ids and times through both: the objects' names and _metadata depend on them.
      await driver.backup(newBackupRecord({ id: fullId, volumeId, createdAt }), new BufferVolumeSource(v1));
      await driver.backup(newBackupRecord({ id: incrementalId, volumeId, parentId: fullId, createdAt: later }), new BufferVolumeSource(v2));
      await store.close?.();
    }
    const viaNfs = await treeOf(join(server.exportDir, nfsRoot));
    const viaPosix = await treeOf(posixRoot);
    expect(viaNfs.filter(([name]) => name.endsWith('_metadata'))).toHaveLength(2);
    expect(viaNfs.length).toBeGreaterThan(8);
    expect(viaNfs).toEqual(viaPosix);
  }, 60_000);
});
