import { MemoryObjectStore } from '@volback/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineTransientFaultsGroup } from '../src/index.js';

defineTransientFaultsGroup(
  { describe, it, expect, beforeAll, afterAll },
  {
    name: 'memory',
    createStore: async () => new MemoryObjectStore(),
  },
);
