import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendError } from '@volback/core';
import { makeVolume } from '@volback/core/testing';
import { openTarget } from '../src/open-target.js';
import { runCli } from './run-cli.js';

let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'volback-cli-retries-'));
  env = { VOLBACK_STATE_DIR: join(dir, 'state') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the CLI catalog', () => {
  it('retries transient store errors as the engine does: list, and the dependants lookup of show and delete, survive them', async () => {
    const store = join(dir, 'store');
    const image = join(dir, 'disk.img');
    await writeFile(image, makeVolume(200 * 1024, 31));
    const made = await runCli(['backup', image, '--to', store, '--json'], env);
    expect(made.code, made.stderr).toBe(0);
    const { id } = JSON.parse(made.stdout) as { id: string };

    const sink = { write: () => true };
    const opened = await openTarget(store, { stdout: sink, stderr: sink, env: { ...process.env, ...env } });
    try {
      // The backend drops every other listing: each lookup of the catalog meets one failure.
      const raw = opened.driverStore;
      const listObjects = raw.listObjects.bind(raw);
      let listings = 0;
      let failures = 0;
      raw.listObjects = async (container, prefix, opts) => {
        if (listings++ % 2 === 0) {
          failures++;
          throw new BackendError('listing: socket hang up (ECONNRESET)', true);
        }
        return listObjects(container, prefix, opts);
      };
      expect((await opened.catalog.list()).map((r) => r.id)).toEqual([id]);
      expect(await opened.catalog.dependentsOf(id)).toEqual([]);
      expect(failures, 'the backend really failed').toBeGreaterThan(0);
    } finally {
      await opened.close();
    }
  });
});
