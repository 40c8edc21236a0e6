/**
 * Where a driver's tests find their test server: the env vars its `tooling/servers/<script>.sh
 * start` writes. Every driver's tests go through here, so a CI that forgot a server fails the
 * same way for all of them instead of passing silently.
 */

/** One test server, as its start script describes it in env vars `<envPrefix>_<VAR>`. */
export interface TestServerSpec {
  /** Short label for test names, e.g. `azurite`. */
  readonly label: string;
  /** e.g. `VOLBACK_TEST_AZURITE`. */
  readonly envPrefix: string;
  /** The suffixes that must all be set, e.g. `['ENDPOINT', 'ACCOUNT', 'KEY']`; further ones are read when present. */
  readonly required: readonly string[];
  /** The start script under tooling/servers/, e.g. `azurite.sh`. */
  readonly script: string;
}

/** The server's env vars by suffix (`ENDPOINT`, ...), or undefined when a required one is unset. */
export function testServerEnv(spec: TestServerSpec, env: NodeJS.ProcessEnv = process.env): Record<string, string> | undefined {
  const prefix = `${spec.envPrefix}_`;
  const found: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (name.startsWith(prefix) && value) found[name.slice(prefix.length)] = value;
  return spec.required.every((suffix) => found[suffix] !== undefined) ? found : undefined;
}

/** How to get the server running, for the failure or the skip. */
export function howToStartTestServer(spec: TestServerSpec): string {
  const envFile = spec.script.replace(/\.sh$/, '.env');
  return (
    `${spec.required.map((s) => `${spec.envPrefix}_${s}`).join(', ')} not all set. Start the server with ` +
    `\`bash tooling/servers/${spec.script} start\` and \`source .test-servers/${envFile}\` before running vitest.`
  );
}

/** The part of a test runner this needs. */
export interface TestServerRunner {
  /** Groups the tests `body` registers under `name`. */
  describe(name: string, body: () => void): void;
  /** Registers one test, which calls `skip` when the server is not there. */
  it(name: string, body: (context: { skip(note?: string): void }) => Promise<void> | void): void;
}

/**
 * Registers `body` in `describe(title [label])` when the server's env vars are set. When they
 * are not, the run fails under `CI=true` and skips (with how to start it) otherwise.
 */
export function describeWithTestServer(
  runner: TestServerRunner,
  title: string,
  spec: TestServerSpec,
  body: (env: Record<string, string>) => void,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const name = `${title} [${spec.label}]`;
  const server = testServerEnv(spec, env);
  if (server !== undefined) {
    runner.describe(name, () => body(server));
    return;
  }
  const how = howToStartTestServer(spec);
  runner.describe(name, () => {
    if (env['CI'] === 'true')
      runner.it('has its test server running', () => {
        throw new Error(`test server ${spec.label} is not running: ${how}`);
      });
    else runner.it(`skipped: ${how}`, (context) => context.skip(how));
  });
}
