import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FileRestoreTarget, TargetNotEmptyError, type BackupRecord, type TargetGuard } from '@volback/core';
import { formatBytes } from './format.js';
import { UsageError, type CliIo } from './io.js';

/** What {@link openRestoreTarget} needs besides the path. */
export interface RestoreTargetChecks {
  /** The backup to restore: its volume size is what the target must hold. */
  record: BackupRecord;
  /** What must not be written (the store, a running backup's source). */
  guard: TargetGuard;
  /** `--force`: overwrite a target that holds data. */
  force: boolean;
}

/**
 * Opens the restore target, refusing (before anything is written) a block device smaller than
 * the volume, and, without `--force`, a target that holds data (a usage error, exit 2: the
 * command line must say to overwrite it). A file that may lack room gets a warning, not a
 * refusal: all-zero regions stay holes, so how much room a restore takes is known only once it
 * ran, and one that runs out fails and leaves the file as it was.
 */
export async function openRestoreTarget(path: string, io: CliIo, checks: RestoreTargetChecks): Promise<FileRestoreTarget> {
  const volumeBytes = checks.record.volumeBytes;
  let out: FileRestoreTarget;
  try {
    out = await FileRestoreTarget.open(path, {
      guard: checks.guard,
      refuseNonEmpty: !checks.force,
      ...(volumeBytes !== undefined ? { volumeBytes } : {}),
    });
  } catch (err) {
    if (!(err instanceof TargetNotEmptyError)) throw err;
    const what =
      err.kind === 'file' ? `a file of ${formatBytes(err.bytes)}` : `a block device of ${formatBytes(err.bytes)} that holds data`;
    throw new UsageError(`restore target ${path} is ${what}: --force overwrites it`);
  }
  if (out.partialPath !== null && volumeBytes !== undefined) await warnIfTight(io, dirname(out.partialPath), path, volumeBytes);
  return out;
}

async function warnIfTight(io: CliIo, dir: string, path: string, volumeBytes: number): Promise<void> {
  const fs = await statfs(dir).catch(() => null); // a filesystem that cannot say is no reason to stop
  if (!fs) return;
  const free = fs.bavail * fs.bsize;
  if (free >= volumeBytes) return;
  io.stderr.write(
    `volback restore: warning: ${dir} has ${formatBytes(free)} free for a volume of ${formatBytes(volumeBytes)}: ` +
      `the restore fails if its data does not fit (all-zero regions take no room), and leaves ${path} as it was\n`,
  );
}
