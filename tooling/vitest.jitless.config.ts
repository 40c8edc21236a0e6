import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The conformance suite once more, its test processes run without WebAssembly (node --jitless):
// core, the engine and the drivers must work there too, hashing MD5 with node:crypto.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['packages/driver-posix/test/conformance.test.ts', 'examples/driver-memory/test/conformance.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    execArgv: ['--jitless'],
    reporters: ['default'],
  },
});
