// S3: the tests' Swift with s3api, next to rclone's s3 remote. No goals: the server's four Python
// services share the two cores with the tool measured.
import { rclone } from '../rclone.mjs';

/** @type {import('../remotes.mjs').BenchRemote} */
export default {
  name: 's3',
  title: 'S3',
  server: { script: 'swift-s3', env: { VOLBACK_SWIFT_S3_PORT: '18080', VOLBACK_SWIFT_MEMCACHED_PORT: '11312' } },
  label: () => 'Swift with s3api',
  volback: (s, container) => ({
    url: `s3://${container}?${new URLSearchParams({ endpoint: s.VOLBACK_TEST_S3_SWIFT_ENDPOINT, region: s.VOLBACK_TEST_S3_SWIFT_REGION, forcePathStyle: 'true', createBucket: 'true' })}`,
    env: { AWS_ACCESS_KEY_ID: s.VOLBACK_TEST_S3_SWIFT_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: s.VOLBACK_TEST_S3_SWIFT_SECRET_KEY },
  }),
  reference: rclone((s) => ({
    type: 's3',
    provider: 'Other',
    endpoint: s.VOLBACK_TEST_S3_SWIFT_ENDPOINT,
    region: s.VOLBACK_TEST_S3_SWIFT_REGION,
    access_key_id: s.VOLBACK_TEST_S3_SWIFT_ACCESS_KEY,
    secret_access_key: s.VOLBACK_TEST_S3_SWIFT_SECRET_KEY,
  })),
};
