import { expect, it } from 'vitest';
import { defineCliRoundTrip } from './store-round-trip.js';

// The Azure driver is not a dependency of the CLI: it is found in the workspace through its manifest.
// The key comes from the environment, as Azure's own tools take it.
const storeUrl = (env: Record<string, string>, container: string) =>
  `azure://${env['ACCOUNT']}/${container}?endpoint=${encodeURIComponent(env['ENDPOINT']!)}&createContainer=true`;

defineCliRoundTrip({
  title: 'volback with an azure:// target',
  server: { label: 'azurite', envPrefix: 'VOLBACK_TEST_AZURITE', required: ['ENDPOINT', 'ACCOUNT', 'KEY'], script: 'azurite.sh' },
  target: (env, tag) => storeUrl(env, `vb-cli-${tag}/team-a`),
  cliEnv: (env) => ({ AZURE_STORAGE_KEY: env['KEY']! }),
  prefix: /^(team-a\/)?volume_[0-9a-f-]{36}\/\d{14}\/az_nova_backup_[0-9a-f-]{36}$/,
  more: (env, cli) => {
    // azurite checks Shared Key signatures and SAS signatures, as Azure does.
    it('fails with E_AUTH and exit status 8 on a wrong key, naming the account and printing no secret', async () => {
      const wrongKey = Buffer.from('wrong-key-do-not-print-wrong-key-do-not-print-wrong-key-do-not-pr').toString('base64');
      const r = await cli(['list', '--store', storeUrl(env, 'vb-cli-auth')], { AZURE_STORAGE_KEY: wrongKey });
      expect(r.code, r.stderr).toBe(8);
      expect(r.stderr).toMatch(
        /E_AUTH: azure: Azure rejected the credentials of account devstoreaccount1 \(shared key from AZURE_STORAGE_KEY\)/,
      );
      expect(r.stdout + r.stderr).not.toContain(wrongKey);
    });

    it('fails with E_AUTH and exit status 8 on a forged SAS token, printing no signature', async () => {
      const sas = 'sv=2021-08-06&ss=b&srt=sco&sp=rwdlac&se=2099-01-01T00:00:00Z&sig=Zm9yZ2VkLWRvLW5vdC1wcmludA%3D%3D';
      const r = await cli(['list', '--store', storeUrl(env, 'vb-cli-auth')], { AZURE_STORAGE_KEY: '', AZURE_STORAGE_SAS_TOKEN: sas });
      expect(r.code, r.stderr).toBe(8);
      expect(r.stderr).toMatch(/E_AUTH: azure: .*account devstoreaccount1 \(SAS token from AZURE_STORAGE_SAS_TOKEN\)/);
      expect(r.stdout + r.stderr).not.toContain('Zm9yZ2VkLWRvLW5vdC1wcmludA');
    });

    it('fails with E_NOT_FOUND and a hint when the container is missing and may not be created', async () => {
      const url = `azure://${env['ACCOUNT']}/vb-cli-missing?endpoint=${encodeURIComponent(env['ENDPOINT']!)}`;
      const image = new URL('../package.json', import.meta.url).pathname;
      const r = await cli(['backup', image, '--to', url]);
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toMatch(/E_NOT_FOUND: azure: container "vb-cli-missing" does not exist .*set createContainer: true/);
    });
  },
});
