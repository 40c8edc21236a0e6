import { describe, expect, it } from 'vitest';
import { describeWithTestServer, type TestServerSpec, testServerEnv } from '../src/index.js';

const spec: TestServerSpec = { label: 'demo', envPrefix: 'VOLBACK_TEST_DEMO', required: ['ENDPOINT', 'KEY'], script: 'demo.sh' };

/** Records what describeWithTestServer registers, and runs each test body with a skip that records its note. */
function record(env: NodeJS.ProcessEnv) {
  const tests: { name: string; outcome: string }[] = [];
  let given: Record<string, string> | undefined;
  const runner = {
    describe: (_name: string, body: () => void) => body(),
    it: (name: string, body: (ctx: { skip(note?: string): void }) => unknown) => {
      let outcome = 'passed';
      try {
        body({ skip: () => (outcome = 'skipped') });
      } catch (e) {
        outcome = `failed: ${(e as Error).message}`;
      }
      tests.push({ name, outcome });
    },
  };
  describeWithTestServer(runner, 'suite', spec, (e) => (given = e), env);
  return { tests, given };
}

describe('describeWithTestServer', () => {
  it('hands the body the server env by suffix, optional ones included', () => {
    const { tests, given } = record({
      VOLBACK_TEST_DEMO_ENDPOINT: 'http://127.0.0.1:1',
      VOLBACK_TEST_DEMO_KEY: 'k',
      VOLBACK_TEST_DEMO_REGION: 'r',
    });
    expect(tests).toEqual([]);
    expect(given).toEqual({ ENDPOINT: 'http://127.0.0.1:1', KEY: 'k', REGION: 'r' });
  });

  it('fails under CI=true when a required variable is missing, naming the script', () => {
    const { tests, given } = record({ CI: 'true', VOLBACK_TEST_DEMO_ENDPOINT: 'http://127.0.0.1:1' });
    expect(given).toBeUndefined();
    expect(tests).toHaveLength(1);
    expect(tests[0]!.outcome).toMatch(/^failed: test server demo is not running: .*tooling\/servers\/demo\.sh start/);
  });

  it('skips outside CI, and an empty value counts as unset', () => {
    const { tests } = record({ VOLBACK_TEST_DEMO_ENDPOINT: 'x', VOLBACK_TEST_DEMO_KEY: '' });
    expect(tests.map((t) => t.outcome)).toEqual(['skipped']);
    expect(testServerEnv(spec, { VOLBACK_TEST_DEMO_ENDPOINT: 'x', VOLBACK_TEST_DEMO_KEY: '' })).toBeUndefined();
  });
});
