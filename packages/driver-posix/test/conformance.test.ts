import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConformanceSuite } from '@volback/conformance';
import { createPosixStore } from '../src/index.js';

const root = await mkdtemp(join(tmpdir(), 'volback-posix-conformance-'));
defineConformanceSuite(
  { describe, it, expect, beforeAll, afterAll },
  {
    name: 'posix',
    createStore: async () => createPosixStore({ root }),
    backdoor: {
      listAll: async (container) => readdir(join(root, container)),
      readRaw: async (container, name) => new Uint8Array(await readFile(join(root, container, name))),
      writeRaw: (container, name, data) => writeFile(join(root, container, name), data),
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  },
);
