import { miniExpect } from './mini-expect.js';

type Body = () => Promise<void> | void;
type TestBody = (ctx: { skip(note?: string): void }) => Promise<void> | void;

interface Hook {
  body: Body;
  timeout: number;
}

interface TestCase {
  kind: 'test';
  name: string;
  body: TestBody;
  timeout: number;
}

interface Suite {
  kind: 'suite';
  name: string;
  children: (Suite | TestCase)[];
  beforeAll: Hook[];
  afterAll: Hook[];
}

/** One test's outcome. */
export interface TestResult {
  path: string[];
  status: 'passed' | 'failed' | 'skipped';
  ms: number;
  note?: string;
}

class SkipSignal extends Error {}

const DEFAULT_TIMEOUT = 60_000;

/**
 * A minimal describe/it runner with the shape the conformance suite expects. Tests run one at a
 * time in registration order; a failing `beforeAll` fails every test of its group.
 */
export class MiniRunner {
  private readonly root: Suite = { kind: 'suite', name: '', children: [], beforeAll: [], afterAll: [] };
  private current: Suite = this.root;

  readonly expect = miniExpect;

  describe = (name: string, body: () => void): void => {
    const suite: Suite = { kind: 'suite', name, children: [], beforeAll: [], afterAll: [] };
    this.current.children.push(suite);
    const parent = this.current;
    this.current = suite;
    try {
      body();
    } finally {
      this.current = parent;
    }
  };

  it = (name: string, body: TestBody, timeout = DEFAULT_TIMEOUT): void => {
    this.current.children.push({ kind: 'test', name, body, timeout });
  };

  beforeAll = (body: Body, timeout = DEFAULT_TIMEOUT): void => {
    this.current.beforeAll.push({ body, timeout });
  };

  afterAll = (body: Body, timeout = DEFAULT_TIMEOUT): void => {
    this.current.afterAll.push({ body, timeout });
  };

  /** Runs everything registered; `onResult` sees each test as it finishes. */
  async run(onResult: (r: TestResult) => void): Promise<TestResult[]> {
    const results: TestResult[] = [];
    const report = (r: TestResult): void => {
      results.push(r);
      onResult(r);
    };
    await this.runSuite(this.root, [], report, null);
    return results;
  }

  private async runSuite(suite: Suite, path: string[], report: (r: TestResult) => void, inherited: string | null): Promise<void> {
    const here = suite.name ? [...path, suite.name] : path;
    let failure = inherited;
    if (!failure) {
      for (const hook of suite.beforeAll) {
        try {
          await withTimeout(hook.body, hook.timeout);
        } catch (err) {
          failure = `beforeAll failed: ${(err as Error)?.message ?? String(err)}`;
          break;
        }
      }
    }
    for (const child of suite.children) {
      if (child.kind === 'suite') await this.runSuite(child, here, report, failure);
      else if (failure) report({ path: [...here, child.name], status: 'failed', ms: 0, note: failure });
      else report(await runTest(child, here));
    }
    for (const hook of suite.afterAll) {
      await withTimeout(hook.body, hook.timeout).catch((err: unknown) =>
        report({ path: [...here, '(cleanup)'], status: 'failed', ms: 0, note: (err as Error)?.message ?? String(err) }),
      );
    }
  }
}

async function runTest(test: TestCase, path: string[]): Promise<TestResult> {
  const started = performance.now();
  const ctx = {
    skip(note?: string): never {
      throw new SkipSignal(note ?? 'skipped');
    },
  };
  try {
    await withTimeout(() => test.body(ctx), test.timeout);
    return { path: [...path, test.name], status: 'passed', ms: performance.now() - started };
  } catch (err) {
    const ms = performance.now() - started;
    if (err instanceof SkipSignal) return { path: [...path, test.name], status: 'skipped', ms, note: err.message };
    return { path: [...path, test.name], status: 'failed', ms, note: (err as Error)?.message ?? String(err) };
  }
}

async function withTimeout(body: () => Promise<void> | void, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(body),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
