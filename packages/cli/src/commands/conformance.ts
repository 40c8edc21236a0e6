import { jsonLine } from '../format.js';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { positionals } from '../args.js';
import { UsageError } from '../io.js';
import type { Command } from '../command.js';
import type { TestResult } from '../conformance/mini-runner.js';
import { openTarget } from '../open-target.js';

export const conformanceCommand: Command = {
  name: 'conformance',
  summary: 'run the shared conformance suite against a live backend and report pass/fail with timings',
  details: 'Needs @volback/conformance installed beside volback or in the project. It writes and deletes test objects.',
  arguments: [{ name: 'store', description: 'the target to test (a scratch bucket or directory: the suite writes into it)' }],
  options: {},
  examples: [['volback conformance s3://scratch-bucket/volback-test', 'check a driver and its backend']],
  async run(args, values, io) {
    const [target] = positionals(args, ['store']) as [string];
    // One probe store proves the target opens (config, credentials) before any test runs.
    const probe = await openTarget(target, io);
    await probe.close();
    // Printed in every result: the target's credentials must not be.
    const shown = probe.shownTarget;
    // The suite is loaded only for this command, to keep every other command's start fast.
    const [{ defineConformanceSuite }, { MiniRunner }] = await Promise.all([loadConformance(), import('../conformance/mini-runner.js')]);
    const runner = new MiniRunner();
    defineConformanceSuite(runner, {
      name: shown,
      createStore: async () => (await openTarget(target, io)).driverStore,
    });
    const started = performance.now();
    const results = await runner.run((r) => {
      if (!values.json) io.stdout.write(line(r));
    });
    const count = (s: TestResult['status']) => results.filter((r) => r.status === s).length;
    const summary = {
      passed: count('passed'),
      failed: count('failed'),
      skipped: count('skipped'),
      seconds: (performance.now() - started) / 1000,
    };
    if (values.json) io.stdout.write(jsonLine({ target: shown, ...summary, results }));
    else
      io.stdout.write(
        `\n${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped in ${summary.seconds.toFixed(1)} s\n`,
      );
    return summary.failed === 0 ? 0 : 1;
  },
};

/**
 * `@volback/conformance`, an optional peer of the CLI (its fixtures are megabytes every other
 * command does without): beside the CLI, else in the project the command runs in.
 */
async function loadConformance(): Promise<typeof import('@volback/conformance')> {
  try {
    return await import('@volback/conformance');
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
  }
  try {
    const path = createRequire(join(process.cwd(), 'package.json')).resolve('@volback/conformance');
    return (await import(pathToFileURL(path).href)) as typeof import('@volback/conformance');
  } catch {
    throw new UsageError(
      'the conformance command needs the package @volback/conformance: install it beside volback (npm install --global @volback/conformance, for a global volback) or in your project (npm install --save-dev @volback/conformance)',
    );
  }
}

function line(r: TestResult): string {
  const mark = r.status === 'passed' ? 'PASS' : r.status === 'failed' ? 'FAIL' : 'SKIP';
  const note = r.note ? `\n       ${r.note}` : '';
  return `${mark}  ${r.path.join(' › ')}  (${Math.round(r.ms)} ms)${note}\n`;
}
