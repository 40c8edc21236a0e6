// Proves that `pnpm docs:api` fails on an undocumented export: the repo's TypeDoc options run
// over a one-file package in a temp dir, once with an export left without TSDoc (the build must
// fail and name it) and once with every export documented (it must pass, so the failure is that one).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'volback-typedoc-'));
const pkg = join(dir, 'fixture');
mkdirSync(join(pkg, 'src'), { recursive: true });
writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@volback/typedoc-fixture', version: '0.0.0', type: 'module' }));
// No @types/node to find from a temp dir, and none needed.
writeFileSync(
  join(pkg, 'tsconfig.build.json'),
  JSON.stringify({ extends: join(repo, 'tooling/tsconfig.base.json'), compilerOptions: { types: [], noEmit: true }, include: ['src'] }),
);
writeFileSync(
  join(dir, 'typedoc.config.mjs'),
  `import repo from ${JSON.stringify(join(repo, 'typedoc.config.mjs'))};\n` +
    `export default { ...repo, entryPoints: [${JSON.stringify(pkg)}], packagesRequiringDocumentation: ['@volback/typedoc-fixture'],\n` +
    `  intentionallyNotDocumented: [], plugin: [${JSON.stringify(join(repo, 'tooling/typedoc/zod-field-docs.mjs'))}], emit: 'none' };\n`,
);
const documented = '/** Documented, as every export must be. */\nexport const documented = 1;\n';

function typedoc() {
  try {
    execFileSync(join(repo, 'node_modules/.bin/typedoc'), ['--options', join(dir, 'typedoc.config.mjs')], {
      cwd: dir,
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return { failed: false, output: '' };
  } catch (err) {
    return { failed: true, output: `${err.stdout}${err.stderr}` };
  }
}

let problem = null;
try {
  writeFileSync(join(pkg, 'src/index.ts'), `${documented}export function undocumented(): void {}\n`);
  const bad = typedoc();
  if (!bad.failed || !bad.output.includes('undocumented (CallSignature)') || !bad.output.includes('does not have any documentation'))
    problem = `an undocumented export did not fail the build:\n${bad.output}`;
  writeFileSync(join(pkg, 'src/index.ts'), `${documented}/** Documented too. */\nexport function undocumented(): void {}\n`);
  const good = typedoc();
  if (!problem && good.failed) problem = `a fully documented package failed the build:\n${good.output}`;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (problem) {
  console.error(`docs:api self-test: ${problem}`);
  process.exit(1);
}
