import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_FIXTURES } from '../src/cinder-compat.js';

interface Manifest {
  backups: { repo: string; container: string; files: { name: string; sha256: string; size: number }[] }[];
}

describe('the Cinder fixtures shipped with the suite', () => {
  it('hold every file of every backup, each with the SHA-256 the manifest records', async () => {
    const manifest = JSON.parse(await readFile(join(BUNDLED_FIXTURES, 'manifest.json'), 'utf8')) as Manifest;
    let files = 0;
    for (const b of manifest.backups) {
      for (const f of b.files) {
        const bytes = await readFile(join(BUNDLED_FIXTURES, b.repo, b.container, f.name));
        expect(bytes.length, f.name).toBe(f.size);
        expect(createHash('sha256').update(bytes).digest('hex'), f.name).toBe(f.sha256);
        files++;
      }
    }
    expect(files).toBe(25);
  });
});
