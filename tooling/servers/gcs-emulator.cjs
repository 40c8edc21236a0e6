// The Cloud Storage emulator of firebase-tools, started in-process without its rules runtime:
// the GCS JSON API routes go through the emulator's admin storage layer, which never consults
// security rules, so the Java runtime (and its 52 MB JAR download) is stubbed out. See
// /work/shared/backends.md §3a. It reaches into firebase-tools' lib/, so the version is pinned
// (packages/driver-gcs devDependencies) and this file resolves it from there.
//
//   node gcs-emulator.cjs <port> <projectId>
'use strict';
const path = require('node:path');

const fromPackage = path.join(__dirname, '../../packages/driver-gcs/package.json');
const firebaseTools = path.dirname(require.resolve('firebase-tools/package.json', { paths: [path.dirname(fromPackage)] }));
const lib = (file) => require(path.join(firebaseTools, 'lib', file));

const { StorageEmulator } = lib('emulator/storage');
const { EmulatorRegistry } = lib('emulator/registry');
const { StorageRulesRuntime } = lib('emulator/storage/rules/runtime');

StorageRulesRuntime.prototype.start = async () => {};
StorageRulesRuntime.prototype.stop = async () => {};
StorageEmulator.prototype.createRulesManager = () => ({ start: async () => [], stop: async () => {}, getRuleset: () => undefined });

const port = Number(process.argv[2] ?? 9199);
const projectId = process.argv[3] ?? 'demo-volback';
const emulator = new StorageEmulator({ host: '127.0.0.1', port, projectId, auto_download: false });

// The registry is what the emulator builds its selfLinks and download URLs from.
EmulatorRegistry.start(emulator).then(
  () => console.log(`listening on 127.0.0.1:${port}`),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  EmulatorRegistry.stop('storage').finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
