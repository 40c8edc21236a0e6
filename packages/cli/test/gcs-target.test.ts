import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { defineCliRoundTrip } from './store-round-trip.js';

// The GCS driver is not a dependency of the CLI: it is found in the workspace through its manifest.
// The emulator checks no credentials: the URL names the endpoint and the project, nothing else.
defineCliRoundTrip({
  title: 'volback with a gs:// target',
  server: { label: 'firebase emulator', envPrefix: 'VOLBACK_TEST_GCS', required: ['ENDPOINT', 'PROJECT_ID'], script: 'gcs-emulator.sh' },
  target: (env, tag) => `gs://vb-cli-${tag}/team-a?endpoint=${encodeURIComponent(env['ENDPOINT']!)}&projectId=${env['PROJECT_ID']!}`,
  prefix: /^(team-a\/)?volume_[0-9a-f-]{36}\/\d{14}\/az_nova_backup_[0-9a-f-]{36}$/,
  more: (env, cli) => {
    it('fails with E_AUTH and exit status 8 when GCS answers 401, and prints no secret', async () => {
      // The emulator checks no credentials: a server answering as GCS does to a refused token stands in.
      const refusing = createServer((_req, res) => {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: { code: 401, message: 'Invalid Credentials', errors: [{ reason: 'authError', message: 'Invalid Credentials' }] },
          }),
        );
      });
      await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
      try {
        const endpoint = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
        const r = await cli(['list', '--store', `gs://vb-cli-auth?endpoint=${encodeURIComponent(endpoint)}&projectId=p1&maxRetries=0`]);
        expect(r.code).toBe(8);
        expect(r.stderr).toMatch(/E_AUTH: gcs: GCS rejected the credentials: .*Invalid Credentials/);
      } finally {
        refusing.close();
      }
    });

    it('refuses credentials that are no key with E_CONFIG (exit 2), and never prints them', async () => {
      const secret = 'not-a-key-do-not-print';
      const store = `gs://vb-cli-auth?endpoint=${encodeURIComponent(env['ENDPOINT']!)}&projectId=p1&credentials=${secret}`;
      const r = await cli(['list', '--store', store]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/E_CONFIG: gcs: credentials is not JSON/);
      expect(r.stdout + r.stderr).not.toContain(secret);
    });

    it('refuses objects larger than maxUploadBytes (one request each) with E_CONFIG (exit 2), saying what to lower', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'volback-gcs-limit-'));
      try {
        const image = join(dir, 'random.img');
        await writeFile(image, randomBytes(3 * 1024 * 1024)); // incompressible: every object is 2 MiB
        const store = `gs://vb-cli-limit?endpoint=${encodeURIComponent(env['ENDPOINT']!)}&projectId=${env['PROJECT_ID']!}&maxUploadBytes=1048576`;
        const r = await cli(['backup', image, '--to', store, '--object-size', '2M', '--volume-id', '5f2b6a9e-3c4d-4e5f-8a9b-0c1d2e3f4a5b']);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/E_CONFIG: gcs: PUT .* more than maxUploadBytes \(1048576\): every object goes up whole in one request/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('says how to give a project id when none is given (exit 2), without asking a metadata server', async () => {
      const r = await cli(['list', '--store', `gs://vb-cli-noproject?endpoint=${encodeURIComponent(env['ENDPOINT']!)}`], {
        GOOGLE_CLOUD_PROJECT: '',
        GOOGLE_APPLICATION_CREDENTIALS: '',
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/E_CONFIG: gcs: no project id: give projectId/);
    });
  },
});
