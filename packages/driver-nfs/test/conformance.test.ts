import { mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConformanceSuite } from '@volback/conformance';
import { createNfsStore } from '../src/index.js';
import { configFor, describeWithGanesha, uniqueRoot } from './ganesha-server.js';

describeWithGanesha('conformance', (server) => {
  const path = uniqueRoot('conformance');
  // The backdoor is the exported directory itself, read without NFS.
  const local = (container: string, name = '') => join(server.exportDir, path, container, name);
  defineConformanceSuite(
    { describe, it, expect, beforeAll, afterAll },
    {
      name: 'nfs (ganesha)',
      createStore: async () => {
        // A backup root exists before a store is used on it, as the posix suite's temp dir does.
        await mkdir(join(server.exportDir, path), { recursive: true });
        return createNfsStore(configFor(server, path));
      },
      backdoor: {
        listAll: async (container) => readdir(local(container)),
        readRaw: async (container, name) => new Uint8Array(await readFile(local(container, name))),
        writeRaw: async (container, name, data) => {
          await mkdir(local(container), { recursive: true });
          await writeFile(local(container, name), data);
        },
      },
      removeContainer: async (container) => {
        await rmdir(local(container)).catch(() => undefined);
      },
      cleanup: () => rm(join(server.exportDir, path), { recursive: true, force: true }),
    },
  );
});
