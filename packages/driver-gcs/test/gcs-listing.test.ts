import { expect, it } from 'vitest';
import { startFaultServer } from './fault-server.js';
import { createGcsStore } from '../src/index.js';
import { configFor, describeWithEmulator } from './gcs-emulator.js';

/** Cinder's names for one backup: data objects, then `_sha256file` and `_metadata`. */
function backupNames(volume: string, id: string, objects: number): string[] {
  const prefix = `volume_${volume}/20240501120000/az_nova_backup_${id}`;
  const data = Array.from({ length: objects }, (_, i) => `${prefix}-${String(i + 1).padStart(5, '0')}`);
  return [...data, `${prefix}_sha256file`, `${prefix}_metadata`];
}

describeWithEmulator('gcs listings', (server) => {
  it('walks small pages for _metadata objects, though the emulator ignores startOffset', async () => {
    // Pages of 2 make the walk use startAfter, which GCS sends as startOffset; the emulator
    // answers from the start of the prefix instead, and the store must still find each name once.
    const config = configFor(server, { listPageSize: 2, keyPrefix: 'team-a' });
    const store = createGcsStore(config);
    const ids = ['0a1b2c3d-0000-4000-8000-000000000001', '0a1b2c3d-0000-4000-8000-000000000002', '0a1b2c3d-0000-4000-8000-000000000003'];
    const names = [
      ...backupNames('0d3f8a2c-6b1e-4c7d-8e9f-a0b1c2d3e4f5', ids[0]!, 5),
      ...backupNames('0d3f8a2c-6b1e-4c7d-8e9f-a0b1c2d3e4f5', ids[1]!, 3),
      ...backupNames('11111111-6b1e-4c7d-8e9f-a0b1c2d3e4f5', ids[2]!, 4),
    ];
    await Promise.all(names.map((n) => store.putObject(config.bucket, n, new Uint8Array([1]))));
    const metadata = await store.listMetadataObjects!(config.bucket);
    expect(metadata).toEqual(names.filter((n) => n.endsWith('_metadata')).sort());
    expect(await store.listObjects(config.bucket, 'volume_0d3f')).toEqual(names.filter((n) => n.startsWith('volume_0d3f')).sort());
  });

  it('fails a listing whose server hands back the same page token forever, with nothing past startAfter', async () => {
    // The fault: every listing page is empty and points to itself.
    const body = Buffer.from(JSON.stringify({ kind: 'storage#objects', nextPageToken: 'again' }));
    const fault = await startFaultServer(undefined, () => ({ status: 200, headers: { 'content-type': 'application/json' }, body }));
    try {
      const store = createGcsStore({ bucket: 'volumebackups', endpoint: fault.endpoint, projectId: 'p1', maxRetries: 0, listPageSize: 2 });
      const err = await store.listMetadataObjects!('volumebackups').catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'E_BACKEND', message: expect.stringMatching(/page token it had already given/) });
    } finally {
      await fault.close();
    }
  });
});
