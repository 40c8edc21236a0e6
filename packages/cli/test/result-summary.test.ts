import { describe, expect, it } from 'vitest';
import { elapsedTime } from '../src/clock-time.js';
import { backupSummary, restoreSummary, verifySummary } from '../src/result-summary.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('summary lines', () => {
  const backup = {
    id: '1f0c',
    volumeId: '5a2e',
    parentId: null,
    volumeBytes: 2 * GiB,
    storedBytes: 1.1 * GiB,
    objects: 188,
    zeroBytes: 300 * MiB,
    unchangedBytes: 0,
    seconds: 6.1,
  };

  it('a full backup: read, stored and its share of the volume, objects, zeros, time and rate', () => {
    expect(backupSummary({ ...backup, kind: 'full' })).toBe(
      'full backup 1f0c of volume 5a2e: 2.00 GiB read, 1.10 GiB stored (0.55 of the volume), 188 objects, 300.0 MiB zero, 6.1 s, 335.7 MiB/s',
    );
  });

  it('an incremental: its parent, and what it found changed and unchanged', () => {
    const incr = {
      ...backup,
      kind: 'incremental' as const,
      parentId: '9d3a',
      storedBytes: 20 * MiB,
      objects: 7,
      zeroBytes: 0,
      unchangedBytes: 2 * GiB - 64 * MiB,
    };
    expect(backupSummary(incr)).toBe(
      'incremental backup 1f0c of volume 5a2e on 9d3a: 2.00 GiB read, 64.0 MiB changed, 1.94 GiB unchanged, 20.0 MiB stored (0.01 of the volume), 7 objects, 6.1 s, 335.7 MiB/s',
    );
  });

  it('a restore and a verify: size, chain, holes or objects checked, time and rate', () => {
    const chain = { id: '1f0c', volumeBytes: 2 * GiB, chainLength: 3, seconds: 6.1 };
    expect(restoreSummary({ ...chain, zeroBytes: 0 }, '/dev/vdb')).toBe(
      'restored backup 1f0c into /dev/vdb: 2.00 GiB, chain of 3, verified, 6.1 s, 335.7 MiB/s',
    );
    expect(restoreSummary({ ...chain, zeroBytes: 300 * MiB }, 'out.img')).toBe(
      'restored backup 1f0c into out.img: 2.00 GiB, chain of 3, verified, 300.0 MiB zero left as holes, 6.1 s, 335.7 MiB/s',
    );
    expect(verifySummary({ ...chain, objects: 188 })).toBe(
      'backup 1f0c is intact: 2.00 GiB, chain of 3, 188 objects checked, 6.1 s, 335.7 MiB/s',
    );
  });

  it('times: hundredths under a second, tenths under a minute, then a clock', () => {
    expect(elapsedTime(0.4213)).toBe('0.42 s');
    expect(elapsedTime(6.14)).toBe('6.1 s');
    expect(elapsedTime(75.2)).toBe('1:16');
    expect(elapsedTime(3725)).toBe('1:02:05');
  });
});
