import { expect } from 'vitest';
import { defineConformanceSuite, type ConformanceTarget, type RunnerTestContext } from '../src/index.js';

type Body = () => Promise<void> | void;
type TestBody = (ctx: RunnerTestContext) => Promise<void> | void;

/** What one suite test came to: null when it passed, 'skipped', or the error it failed with. */
export type Outcome = null | 'skipped' | unknown;

class Skipped extends Error {}

/** A test context that skips as vitest's does: by throwing. */
const skipping: RunnerTestContext = {
  skip: (note) => {
    throw new Skipped(note);
  },
};

/**
 * The suite registered with a recording runner instead of vitest, so a test can run suite
 * tests and see which failed: the suite is only worth something if it catches bugs. Groups are
 * flattened; tests keep their registration order, as a real runner runs them.
 */
export function recordSuite(target: ConformanceTarget, context: Partial<RunnerTestContext> = skipping) {
  const tests = new Map<string, TestBody>();
  const before: Body[] = [];
  const after: Body[] = [];
  defineConformanceSuite(
    {
      describe: (_name, body) => body(),
      it: (name, body) => {
        if (tests.has(name)) throw new Error(`two suite tests named ${name}`);
        tests.set(name, body);
      },
      expect: (actual, message) => expect(actual, message),
      beforeAll: (body) => void before.push(body),
      afterAll: (body) => void after.push(body),
    },
    target,
  );
  const runOne = async (body: TestBody): Promise<Outcome> => {
    try {
      await body(context as RunnerTestContext);
      return null;
    } catch (err) {
      return err instanceof Skipped ? 'skipped' : err;
    }
  };
  const around = async <T>(run: () => Promise<T>): Promise<T> => {
    for (const b of before) await b();
    try {
      return await run();
    } finally {
      for (const a of after) await a();
    }
  };
  return {
    names: [...tests.keys()],
    /** Runs one test with every group's setup. */
    run(name: string): Promise<Outcome> {
      const body = tests.get(name);
      if (!body) throw new Error(`no suite test named ${name}`);
      return around(() => runOne(body));
    },
    /** Runs every test in order, each group's setup once; the outcome of each by name. */
    runAll(): Promise<Map<string, Outcome>> {
      return around(async () => {
        const outcomes = new Map<string, Outcome>();
        for (const [name, body] of tests) outcomes.set(name, await runOne(body));
        return outcomes;
      });
    },
  };
}

/** The failed tests of a whole run, each with its message. */
export function failuresIn(outcomes: Map<string, Outcome>): Map<string, string> {
  const failed = new Map<string, string>();
  for (const [name, outcome] of outcomes) {
    if (outcome !== null && outcome !== 'skipped') failed.set(name, String((outcome as Error)?.message ?? outcome));
  }
  return failed;
}
