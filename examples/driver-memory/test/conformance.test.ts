import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConformanceSuite } from '@volback/conformance';
import { createMemoryStore } from '../src/memory-store.js';

// The whole suite, as any third-party driver runs it. Cinder fixtures: env VOLBACK_CINDER_FIXTURES.
defineConformanceSuite({ describe, it, expect, beforeAll, afterAll }, { name: 'memory', createStore: async () => createMemoryStore() });
