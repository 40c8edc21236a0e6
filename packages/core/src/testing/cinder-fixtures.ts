import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackupRecord } from '../backup-record.js';
import { parseCinderDatetime } from '../format/cinder-datetime.js';
import type { ObjectStore } from '../object-store.js';

/** One backup made by real Cinder, as `manifest.json` of the fixtures describes it. */
export interface CinderFixtureBackup {
  key: string;
  id: string;
  parentId: string | null;
  volumeId: string;
  container: string;
  serviceMetadata: string;
  objectCount: number;
  createdAt: string;
  /** Directory holding the backup's files. */
  dir: string;
  /** SHA-256 of the image a restore of this backup (its whole chain) must give. */
  restoreSha256: string;
  restoreImage: string;
}

export interface CinderFixtures {
  dir: string;
  backups: CinderFixtureBackup[];
  images: Record<string, { path: string; sha256: string; size: number }>;
}

/**
 * Where the shared Cinder fixtures are: `VOLBACK_CINDER_FIXTURES`, else `shared/fixtures/cinder`
 * beside the checkout. Null when neither exists.
 */
export function findCinderFixturesDir(): string | null {
  const fromEnv = process.env.VOLBACK_CINDER_FIXTURES;
  if (fromEnv) return existsSync(join(fromEnv, 'manifest.json')) ? fromEnv : null;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = resolve(dir, '../shared/fixtures/cinder');
    if (existsSync(join(candidate, 'manifest.json'))) return candidate;
    dir = dirname(dir);
  }
  return null;
}

interface ManifestBackup {
  key: string;
  id: string;
  parent_id: string | null;
  volume_id: string;
  container: string;
  service_metadata: string;
  object_count: number;
  created_at: string;
  repo: string;
  restore_sha256: string;
  restore_expected_image: string;
}

/** Reads `manifest.json` of the Cinder fixtures. */
export async function loadCinderFixtures(dir: string): Promise<CinderFixtures> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
    backups: ManifestBackup[];
    images: CinderFixtures['images'];
  };
  return {
    dir,
    images: Object.fromEntries(Object.entries(manifest.images).map(([k, v]) => [k, { ...v, path: join(dir, v.path) }])),
    backups: manifest.backups.map((b) => ({
      key: b.key,
      id: b.id,
      parentId: b.parent_id,
      volumeId: b.volume_id,
      container: b.container,
      serviceMetadata: b.service_metadata,
      objectCount: b.object_count,
      createdAt: b.created_at,
      dir: join(dir, b.repo, b.container),
      restoreSha256: b.restore_sha256,
      restoreImage: b.restore_expected_image,
    })),
  };
}

/**
 * Copies one fixture backup into `store`, under the fixture's own container and object names,
 * and returns its record (as Cinder's DB would hold it).
 */
export async function copyCinderFixtureBackup(
  store: ObjectStore,
  backup: CinderFixtureBackup,
  container = backup.container,
): Promise<BackupRecord> {
  await store.ensureContainer(container);
  for (const name of await readdir(backup.dir)) {
    await store.putObject(container, name, await readFile(join(backup.dir, name)));
  }
  const createdAt = parseCinderDatetime(backup.createdAt, 'fixture created_at');
  return {
    id: backup.id,
    volumeId: backup.volumeId,
    parentId: backup.parentId,
    container,
    serviceMetadata: backup.serviceMetadata,
    objectCount: backup.objectCount,
    size: 1,
    service: 'cinder.backup.drivers.posix.PosixBackupDriver',
    availabilityZone: 'nova',
    displayName: null,
    displayDescription: null,
    createdAt,
    dataTimestamp: createdAt,
    encryptionKeyId: null,
    status: 'available',
    extra: {},
  };
}
