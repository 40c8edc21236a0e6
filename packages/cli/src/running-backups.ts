import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkBackupSource,
  fileIdentity,
  FileVolumeSource,
  InvalidVolumeError,
  type ObjectStore,
  type ProtectedFile,
  type VolumeSource,
} from '@volback/core';
import type { CliIo } from './io.js';
import { stateDir } from './open-target.js';
import { removeOnForcedExit } from './supervised-run.js';

/**
 * Backups in progress on this machine, each a small marker file under the CLI's state directory
 * naming its process and the device and inode of its volume, so a restore can refuse to write
 * over a volume being read. A marker whose process is gone (a backup killed with SIGKILL) is ignored.
 */
interface Marker {
  pid: number;
  path: string;
  dev: string;
  ino: string;
  rdev?: string;
}

function markerDir(io: CliIo): string {
  return join(stateDir(io), 'running-backups');
}

/**
 * Opens the volume of a backup: refused when it lies inside the store, and marked as being read
 * until the returned source is closed.
 */
export async function openBackupSource(io: CliIo, image: string, store: ObjectStore): Promise<VolumeSource> {
  await checkBackupSource(image, store);
  const source = await FileVolumeSource.open(image);
  let release: () => Promise<void>;
  try {
    release = await markRunning(io, image);
  } catch (err) {
    await source.close();
    throw err;
  }
  return {
    size: source.size,
    readAt: (offset, length, into) => source.readAt(offset, length, into),
    close: async () => {
      try {
        await source.close();
      } finally {
        await release();
      }
    },
  };
}

async function markRunning(io: CliIo, image: string): Promise<() => Promise<void>> {
  const dir = markerDir(io);
  const name = `${process.pid}-${randomBytes(6).toString('hex')}.json`;
  const path = join(dir, name);
  try {
    const identity = fileIdentity(await stat(image, { bigint: true }));
    const marker: Marker = {
      pid: process.pid,
      path: image,
      dev: String(identity.dev),
      ino: String(identity.ino),
      ...(identity.rdev !== undefined ? { rdev: String(identity.rdev) } : {}),
    };
    await mkdir(dir, { recursive: true });
    // Written whole, then named: a restore never reads half a marker.
    await writeFile(join(dir, `.${name}`), JSON.stringify(marker));
    await rename(join(dir, `.${name}`), path);
  } catch (err) {
    await rm(join(dir, `.${name}`), { force: true }).catch(() => undefined);
    throw new InvalidVolumeError(`cannot record the backup of ${image} as running in ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const forget = removeOnForcedExit(path);
  return async () => {
    await rm(path, { force: true }).catch(() => undefined);
    forget();
  };
}

/** The volumes of the backups running now (on this machine, for this state directory). */
export async function runningBackupSources(io: CliIo): Promise<ProtectedFile[]> {
  const dir = markerDir(io);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const found: ProtectedFile[] = [];
  for (const name of names) {
    if (name.startsWith('.') || !name.endsWith('.json')) continue;
    let marker: Marker;
    try {
      marker = JSON.parse(await readFile(join(dir, name), 'utf8')) as Marker;
      if (!Number.isSafeInteger(marker.pid) || marker.pid <= 0) continue;
      if (!isAlive(marker.pid)) {
        await rm(join(dir, name), { force: true }).catch(() => undefined);
        continue;
      }
      found.push({
        dev: BigInt(marker.dev),
        ino: BigInt(marker.ino),
        ...(marker.rdev !== undefined ? { rdev: BigInt(marker.rdev) } : {}),
        what: `the volume ${JSON.stringify(marker.path)} of a backup in progress (pid ${marker.pid}, marker ${join(dir, name)})`,
      });
    } catch {
      // Gone meanwhile, or not ours: a marker that cannot be read protects nothing.
    }
  }
  return found;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: unknown }).code === 'EPERM';
  }
}
