import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithTestServer, type TestServerSpec } from '@volback/conformance';
import { makeVolume, mutateVolume, sha256Hex } from '@volback/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

/** One driver's CLI round trip: its test server and how to name a fresh store on it. */
export interface CliRoundTrip {
  readonly title: string;
  readonly server: TestServerSpec;
  /** A store URL on the server (`azure://…`); called once per test with a fresh tag, so stores never share a container or directory. */
  readonly target: (env: Record<string, string>, tag: string) => string;
  /** Environment the CLI gets besides the URL (credentials, as a user would export them). */
  readonly cliEnv?: (env: Record<string, string>) => Record<string, string>;
  /** What each backup's prefix looks like in `list --json`. */
  readonly prefix?: RegExp;
  /** More tests inside the same describe, given the server env and a way to run the CLI with the round trip's env. */
  readonly more?: (env: Record<string, string>, cli: (args: string[], extra?: Record<string, string>) => ReturnType<typeof runCli>) => void;
}

/**
 * Runs `body` with `vars` in process.env, as a user's exported variables are: SDKs read their
 * credentials from process.env, not from the environment the CLI is handed.
 */
async function withProcessEnv<T>(vars: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = Object.keys(vars).map((k) => [k, process.env[k]] as const);
  Object.assign(process.env, vars);
  try {
    return await body();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/**
 * Registers the round trip every driver's `volback` target must pass, against its test server:
 * full backup, incremental, list, restore of the incremental (bit-exact), verify, then delete
 * of both, newest first, leaving the list empty. A driver is found through its manifest, as users
 * find it: the CLI does not depend on it.
 */
export function defineCliRoundTrip(spec: CliRoundTrip): void {
  describeWithTestServer({ describe, it }, spec.title, spec.server, (serverEnv) => {
    let dir: string;
    let env: Record<string, string>;
    const cli = (args: string[], extra: Record<string, string> = {}) => withProcessEnv({ ...env, ...extra }, () => runCli(args));
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'volback-cli-round-trip-'));
      env = { VOLBACK_STATE_DIR: join(dir, 'state'), ...spec.cliEnv?.(serverEnv) };
    });
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('backs up, backs up incrementally, lists, restores, verifies and deletes through the CLI', async () => {
      const store = spec.target(serverEnv, `rt${Date.now().toString(36)}`);
      const image = join(dir, 'disk.img');
      const v1 = makeVolume(2 * 1024 * 1024 + 17, 31);
      await writeFile(image, v1);
      const full = await cli(['backup', image, '--to', store]);
      expect(full.code, full.stderr).toBe(0);
      const v2 = mutateVolume(v1, 32);
      await writeFile(image, v2);
      const incr = await cli(['backup', image, '--to', store, '--incremental']);
      expect(incr.code, incr.stderr).toBe(0);
      const listed = await cli(['list', '--store', store, '--json']);
      expect(listed.code, listed.stderr).toBe(0);
      const list = JSON.parse(listed.stdout) as { id: string; prefix: string }[];
      expect(list).toHaveLength(2);
      if (spec.prefix) for (const b of list) expect(b.prefix).toMatch(spec.prefix);
      const [first, second] = list.map((b) => b.id) as [string, string];
      const out = join(dir, 'restored.img');
      const restored = await cli(['restore', second, out, '--from', store]);
      expect(restored.code, restored.stderr).toBe(0);
      expect(sha256Hex(await readFile(out))).toBe(sha256Hex(v2));
      const verified = await cli(['verify', first, '--store', store]);
      expect(verified.code, verified.stderr).toBe(0);
      // The full backup has a dependant: deleting it first is refused, and nothing goes.
      expect((await cli(['delete', first, '--store', store])).code).not.toBe(0);
      for (const id of [second, first]) {
        const deleted = await cli(['delete', id, '--store', store]);
        expect(deleted.code, deleted.stderr).toBe(0);
      }
      const after = await cli(['list', '--store', store, '--json']);
      expect(after.code, after.stderr).toBe(0);
      expect(JSON.parse(after.stdout)).toEqual([]);
    });

    spec.more?.(serverEnv, cli);
  });
}
