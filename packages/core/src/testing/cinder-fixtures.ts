import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackupRecord } from '../backup-record.js';
import { parseCinderDatetime } from '../format/cinder-datetime.js';
import type { ObjectStore } from '../object-store.js';

/** One backup made by real Cinder, as `manifest.json` of the fixtures describes it. */
export interface CinderFixtureBackup {
  /** The manifest's short name for the backup, for test names and lookups. */
  key: string;
  /** The backup's UUID, as Cinder's DB had it. */
  id: string;
  /** The parent backup's UUID for an incremental, else null. */
  parentId: string | null;
  /** The UUID of the volume Cinder backed up. */
  volumeId: string;
  /** The container Cinder wrote the backup to. */
  container: string;
  /** Cinder's `service_metadata`: the name prefix of the backup's objects. */
  serviceMetadata: string;
  /** Data objects Cinder wrote, without `_metadata` and `_sha256file`. */
  objectCount: number;
  /** Cinder's `created_at`, as its DB printed it; parse it with the record's datetime rules. */
  createdAt: string;
  /** Directory holding the backup's files. */
  dir: string;
  /** SHA-256 of the image a restore of this backup (its whole chain) must give. */
  restoreSha256: string;
  /** The key in {@link CinderFixtures.images} of the image a restore of this backup must give. */
  restoreImage: string;
}

/** The fixtures made by running real Cinder: its backups and the images they restore to. */
export interface CinderFixtures {
  /** The fixtures directory, where `manifest.json` is. */
  dir: string;
  /** Every backup Cinder made, full and incremental, in the manifest's order. */
  backups: CinderFixtureBackup[];
  /** The volume images, by key, that backups were made from and restores must give. */
  images: Record<
    string,
    {
      /** Absolute path of the image file. */
      path: string;
      /** SHA-256 of the image, lowercase hex. */
      sha256: string;
      /** Bytes of the image. */
      size: number;
    }
  >;
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
