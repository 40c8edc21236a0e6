import { expect, it } from 'vitest';
import { defineCliRoundTrip } from './store-round-trip.js';

// The S3 driver is not a dependency of the CLI: it is found in the workspace through its manifest.
// The SDK's default credential chain reads the environment, as it would for a user.
defineCliRoundTrip({
  title: 'volback with an s3:// target',
  server: { label: 'swift', envPrefix: 'VOLBACK_TEST_S3_SWIFT', required: ['ENDPOINT', 'ACCESS_KEY', 'SECRET_KEY'], script: 'swift-s3.sh' },
  target: (env, tag) =>
    `s3://vb-cli-${tag}/team-a?endpoint=${encodeURIComponent(env['ENDPOINT']!)}&region=us-east-1&forcePathStyle=true&createBucket=true`,
  cliEnv: (env) => ({ AWS_ACCESS_KEY_ID: env['ACCESS_KEY']!, AWS_SECRET_ACCESS_KEY: env['SECRET_KEY']! }),
  prefix: /^(team-a\/)?volume_[0-9a-f-]{36}\/\d{14}\/az_nova_backup_[0-9a-f-]{36}$/,
  more: (env, cli) => {
    it('fails with E_AUTH and exit status 8 on a wrong secret key, and prints no secret', async () => {
      const store = `s3://vb-cli-auth?endpoint=${encodeURIComponent(env['ENDPOINT']!)}&region=us-east-1&forcePathStyle=true`;
      const r = await cli(['list', '--store', store], { AWS_SECRET_ACCESS_KEY: 'wrong-secret-do-not-print' });
      expect(r.code).toBe(8);
      expect(r.stderr).toMatch(/E_AUTH: s3: .*(SignatureDoesNotMatch|rejected)/);
      expect(r.stdout + r.stderr).not.toContain('wrong-secret-do-not-print');
    });
  },
});
