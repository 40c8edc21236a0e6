// GCS: the tests' firebase-tools storage emulator, next to rclone's `google cloud storage` remote.
// No goals. rclone 1.60 (Debian 12) has the options it would take (endpoint, anonymous), but it
// cannot upload to the emulator: small files go up as multipart bodies whose media part has no
// Content-Type (the emulator answers 400 "Missing content type"), and larger ones as resumable
// chunks POSTed to the session URL, which the emulator takes for a new session each time. So the
// reference steps are skipped with that note, and the volback steps are measured alone.
import { rclone } from '../rclone.mjs';

const SKIPPED =
  "rclone 1.60's gcs remote cannot upload to the firebase storage emulator (multipart part without Content-Type: 400; " +
  'resumable chunks POSTed to the session URL start new sessions)';

/** Empties a bucket through the JSON API: the emulator cannot delete buckets (501), and holds their objects in memory. */
async function emptyBucket(endpoint, bucket) {
  const base = `${endpoint}/storage/v1/b/${encodeURIComponent(bucket)}/o`;
  for (let pageToken = ''; ; ) {
    const page = await (await fetch(`${base}?maxResults=1000${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`)).json();
    await Promise.all((page.items ?? []).map((o) => fetch(`${base}/${encodeURIComponent(o.name)}`, { method: 'DELETE' })));
    if (!page.nextPageToken) return;
    pageToken = page.nextPageToken;
  }
}

const tool = rclone(() => ({}));

/** @type {import('../remotes.mjs').BenchRemote} */
export default {
  name: 'gcs',
  title: 'GCS',
  server: { script: 'gcs-emulator', env: { VOLBACK_GCS_EMULATOR_PORT: '9299' } },
  label: () => 'firebase-tools storage emulator',
  volback: (s, container) => ({
    url: `gs://${container}?${new URLSearchParams({ endpoint: s.VOLBACK_TEST_GCS_ENDPOINT, projectId: s.VOLBACK_TEST_GCS_PROJECT_ID })}`,
  }),
  reference: {
    ...tool,
    create: (rec, _ctx, { title, ids }, s) => ({
      upload: async () => rec.skip(ids.upload, { tool: 'rclone', step: `copy to ${title}` }, SKIPPED),
      download: async () => rec.skip(ids.download, { tool: 'rclone', step: `copy from ${title} + fsync`, cache: 'cold' }, SKIPPED),
      purge: (container) => emptyBucket(s.VOLBACK_TEST_GCS_ENDPOINT, container).catch(() => undefined),
    }),
  },
};
