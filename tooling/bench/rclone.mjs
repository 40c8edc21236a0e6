// rclone as the reference of a remote store (`rclone copyto` up and down), configured through its
// environment only: no config file is read or written.
import { copyReference } from './copy-reference.mjs';
import { run } from './measure.mjs';

const REMOTE = 'vbbench';

/**
 * The reference a remote descriptor names as `reference: rclone((server) => config)`, where
 * `config` is rclone's backend options for that server (`{ type: 's3', provider: 'Other', … }`,
 * the keys of `rclone config`), written as RCLONE_CONFIG_VBBENCH_<KEY>.
 */
export function rclone(configFor) {
  return copyReference({
    tool: 'rclone',
    packages: ['rclone'],
    version: async () => {
      const r = await run(['rclone', 'version']).catch(() => null);
      return r?.code === 0 ? (/rclone v?(\S+)/.exec(r.stdout)?.[1] ?? 'unknown') : null;
    },
    plan: (server, container) => {
      const env = { ...process.env, RCLONE_CONFIG: '/dev/null' };
      for (const [key, value] of Object.entries(configFor(server)))
        env[`RCLONE_CONFIG_${REMOTE.toUpperCase()}_${key.toUpperCase()}`] = String(value);
      // rclone 1.60 fails on any AWS_CA_BUNDLE ("unsupported transport"); the test servers are plain http.
      delete env.AWS_CA_BUNDLE;
      const object = `${REMOTE}:${container}/volume.img`;
      return {
        env,
        prepare: async () => {
          const made = await run(['rclone', 'mkdir', `${REMOTE}:${container}`], { env });
          return made.code === 0 ? null : `rclone mkdir failed: ${made.stderr.trim()}`;
        },
        upload: (image) => ['rclone', 'copyto', image, object],
        download: (dest) => ['rclone', 'copyto', object, dest],
        warmup: ['rclone', 'version'],
        purge: async (c) => {
          await run(['rclone', 'purge', `${REMOTE}:${c}`], { env });
        },
      };
    },
  });
}
