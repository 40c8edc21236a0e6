import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineTransientFaultsGroup } from '@volback/conformance';
import { createPosixStore } from '../src/index.js';
import { makeTempDir } from './temp-root.js';

const { dir, cleanup } = await makeTempDir('faults');
afterAll(cleanup);
defineTransientFaultsGroup(
  { describe, it, expect, beforeAll, afterAll },
  {
    name: 'posix',
    createStore: async () => createPosixStore({ root: dir }),
  },
);
