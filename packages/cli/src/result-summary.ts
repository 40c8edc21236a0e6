import { elapsedTime } from './clock-time.js';
import { formatBytes } from './format.js';

/** The figures of a finished backup that its summary line shows. */
export interface BackupFigures {
  kind: 'full' | 'incremental';
  id: string;
  volumeId: string;
  /** The parent of an incremental. */
  parentId: string | null;
  volumeBytes: number;
  storedBytes: number;
  objects: number;
  zeroBytes: number;
  unchangedBytes: number;
  seconds: number;
}

/**
 * `full backup 1f0c… of volume 5a2e…: 2.00 GiB read, 1.10 GiB stored (0.55 of the volume), 188 objects, 300 MiB zero, 6.1 s, 335 MiB/s`;
 * an incremental also says what it found changed and unchanged.
 */
export function backupSummary(f: BackupFigures): string {
  const on = f.kind === 'incremental' && f.parentId ? ` on ${f.parentId}` : '';
  const parts = [`${formatBytes(f.volumeBytes)} read`];
  if (f.kind === 'incremental') {
    parts.push(`${formatBytes(f.volumeBytes - f.unchangedBytes)} changed`, `${formatBytes(f.unchangedBytes)} unchanged`);
  }
  const ratio = f.volumeBytes > 0 ? ` (${(f.storedBytes / f.volumeBytes).toFixed(2)} of the volume)` : '';
  parts.push(`${formatBytes(f.storedBytes)} stored${ratio}`, `${f.objects} object${f.objects === 1 ? '' : 's'}`);
  if (f.zeroBytes > 0) parts.push(`${formatBytes(f.zeroBytes)} zero`);
  parts.push(...timing(f.volumeBytes, f.seconds));
  return `${f.kind} backup ${f.id} of volume ${f.volumeId}${on}: ${parts.join(', ')}`;
}

/** The figures of a finished restore or verify that its summary line shows. */
export interface ChainFigures {
  id: string;
  volumeBytes: number;
  /** Backups of the chain, the full one included. */
  chainLength: number;
  seconds: number;
}

/** `restored backup 1f0c… into /dev/vdb: 2.00 GiB, chain of 3, verified, 6.1 s, 335 MiB/s`; `zeroBytes` are those left as holes. */
export function restoreSummary(f: ChainFigures & { zeroBytes: number }, path: string): string {
  const parts = [formatBytes(f.volumeBytes), `chain of ${f.chainLength}`, 'verified'];
  if (f.zeroBytes > 0) parts.push(`${formatBytes(f.zeroBytes)} zero left as holes`);
  parts.push(...timing(f.volumeBytes, f.seconds));
  return `restored backup ${f.id} into ${path}: ${parts.join(', ')}`;
}

/** `backup 1f0c… is intact: 2.00 GiB, chain of 3, 188 objects checked, 6.1 s, 335 MiB/s`. */
export function verifySummary(f: ChainFigures & { objects: number }): string {
  const parts = [
    formatBytes(f.volumeBytes),
    `chain of ${f.chainLength}`,
    `${f.objects} object${f.objects === 1 ? '' : 's'} checked`,
    ...timing(f.volumeBytes, f.seconds),
  ];
  return `backup ${f.id} is intact: ${parts.join(', ')}`;
}

function timing(volumeBytes: number, seconds: number): string[] {
  return [elapsedTime(seconds), `${formatBytes(Math.round(volumeBytes / Math.max(seconds, 1e-6)))}/s`];
}
