// `--s3`: volback to and from an S3 server on 127.0.0.1 (the Swift s3api server of the tests,
// started by bench.sh), next to `rclone copy` of the same image to and from that server.
// No goals: the server shares the machine's cores with the tool measured, so these figures say
// how volback and rclone compare on one server, not what S3 can do.
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { sha256File } from './files.mjs';
import { runPaired } from './pairing.mjs';
import { run } from './measure.mjs';
import { VolbackSession } from './volback.mjs';

/** Where each volback step's name says the store is. */
const SUFFIX = { full: 'to S3', incremental: 'to S3', restore: 'from S3', verify: 'on S3' };
const RCLONE_REMOTE = 'vbbench';

/**
 * The S3 server from the environment bench.sh sets (VOLBACK_BENCH_S3_*), or null with the reason
 * it is missing.
 */
export function s3ServerFromEnv(env = process.env) {
  const endpoint = env.VOLBACK_BENCH_S3_ENDPOINT;
  const accessKey = env.VOLBACK_BENCH_S3_ACCESS_KEY;
  const secretKey = env.VOLBACK_BENCH_S3_SECRET_KEY;
  const region = env.VOLBACK_BENCH_S3_REGION ?? 'us-east-1';
  if (!endpoint || !accessKey || !secretKey)
    return { server: null, why: 'VOLBACK_BENCH_S3_ENDPOINT, _ACCESS_KEY and _SECRET_KEY are not all set (bench.sh --s3 sets them)' };
  return { server: { endpoint, accessKey, secretKey, region, label: env.VOLBACK_BENCH_S3_LABEL ?? endpoint }, why: null };
}

/** One round of volback (zstd) to and from S3, each step next to its rclone reference. */
export async function measureS3Round(rec, ctx, server, { round, volbackFirst }) {
  const volback = new VolbackSession(rec, { ...ctx, compression: 'zstd', remote: volbackRemote(server, `vb-bench-${round}`) });
  const rclone = new RcloneSession(rec, ctx, server, `vb-bench-rclone-${round}`);
  try {
    await runPaired(volbackFirst, [() => rclone.upload()], () => volback.full());
    await volback.incremental();
    await runPaired(volbackFirst, [() => rclone.download()], () => volback.restore());
  } finally {
    volback.cleanup();
    await rclone.purge(`vb-bench-${round}`);
    await rclone.purge(rclone.bucket);
  }
}

function volbackRemote(server, bucket) {
  const q = new URLSearchParams({ endpoint: server.endpoint, region: server.region, forcePathStyle: 'true', createBucket: 'true' });
  return {
    name: 's3',
    url: `s3://${bucket}?${q}`,
    suffix: SUFFIX,
    // The SDK's notice that its 2027 releases need Node 22 would land in every step's stderr.
    env: { AWS_ACCESS_KEY_ID: server.accessKey, AWS_SECRET_ACCESS_KEY: server.secretKey, NODE_NO_WARNINGS: '1' },
  };
}

/** rclone's copy of the image up, then down (cold, + fsync), configured through its environment. */
class RcloneSession {
  constructor(rec, { w, scratch, tools }, server, bucket) {
    Object.assign(this, { rec, w, tools, bucket });
    const upper = RCLONE_REMOTE.toUpperCase();
    this.env = {
      ...process.env,
      [`RCLONE_CONFIG_${upper}_TYPE`]: 's3',
      [`RCLONE_CONFIG_${upper}_PROVIDER`]: 'Other',
      [`RCLONE_CONFIG_${upper}_ENDPOINT`]: server.endpoint,
      [`RCLONE_CONFIG_${upper}_REGION`]: server.region,
      [`RCLONE_CONFIG_${upper}_ACCESS_KEY_ID`]: server.accessKey,
      [`RCLONE_CONFIG_${upper}_SECRET_ACCESS_KEY`]: server.secretKey,
      RCLONE_CONFIG: '/dev/null',
    };
    // rclone 1.60 fails on any AWS_CA_BUNDLE ("unsupported transport"); the server is plain http.
    delete this.env.AWS_CA_BUNDLE;
    this.object = `${RCLONE_REMOTE}:${bucket}/volume.img`;
    this.downloaded = join(scratch, 'rclone-download.img');
    this.uploaded = false;
  }

  async upload() {
    const meta = { tool: 'rclone', step: 'copy to S3', volumeBytes: this.w.sizeBytes };
    if (!this.tools.rclone) return this.rec.skip('ref.rclone.upload', meta, 'rclone not installed');
    const made = await run(['rclone', 'mkdir', `${RCLONE_REMOTE}:${this.bucket}`], { env: this.env });
    if (made.code !== 0) return this.rec.skip('ref.rclone.upload', meta, `rclone mkdir failed: ${made.stderr.trim()}`);
    const sample = await this.rec.step('ref.rclone.upload', meta, ['rclone', 'copyto', this.w.image, this.object], {
      env: this.env,
      warm: [this.w.image],
    });
    if (sample) sample.storedBytes = this.w.sizeBytes;
    this.uploaded = sample !== null;
  }

  async download() {
    const meta = { tool: 'rclone', step: 'copy from S3 + fsync', cache: 'cold', volumeBytes: this.w.sizeBytes };
    if (!this.uploaded) return this.rec.skip('ref.rclone.download', meta, this.tools.rclone ? 'the upload failed' : 'rclone not installed');
    const argv = ['sh', '-c', 'rclone copyto "$1" "$2" && sync "$2"', 'sh', this.object, this.downloaded];
    const sample = await this.rec.step('ref.rclone.download', meta, argv, { env: this.env, cache: 'cold', warmup: ['rclone', 'version'] });
    if (sample && sha256File(this.downloaded) !== this.w.imageSha256)
      this.rec.problem('ref.rclone.download', 'downloaded file differs from the image');
    rmSync(this.downloaded, { force: true });
  }

  /** Empties and removes a bucket (volback's too): each round starts from an empty server. */
  async purge(bucket) {
    if (this.tools.rclone) await run(['rclone', 'purge', `${RCLONE_REMOTE}:${bucket}`], { env: this.env }).catch(() => undefined);
  }
}
