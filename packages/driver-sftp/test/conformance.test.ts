import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConformanceSuite } from '@volback/conformance';
import { createSftpStore } from '../src/index.js';
import { configFor, describeWithSshd, freshRoot } from './sftp-server.js';

describeWithSshd('conformance', (server) => {
  let root = '';
  // The server runs on this machine: the backdoor reads its directory with node:fs, not through the store under test.
  defineConformanceSuite(
    { describe, it, expect, beforeAll, afterAll },
    {
      name: 'sftp (openssh)',
      createStore: async () => {
        root ||= await freshRoot(server, 'conformance');
        return createSftpStore(configFor(server, root));
      },
      backdoor: {
        listAll: async (container) => readdir(join(root, container)),
        readRaw: async (container, name) => new Uint8Array(await readFile(join(root, container, name))),
        writeRaw: (container, name, data) => writeFile(join(root, container, name), data),
      },
      cleanup: async () => {
        if (root) await rm(root, { recursive: true, force: true });
      },
    },
  );
});
