// The API docs of every published package, from the TSDoc of what each package exports
// (`pnpm docs:api`, written to docs/api/). Every validation warning is an error, so an export
// without a comment, a type a signature uses but no entry point exports, or a broken {@link}
// fails the build; see docs/api.md.
import { readdirSync, readFileSync } from 'node:fs';

const here = new URL('.', import.meta.url);
const packages = readdirSync(new URL('packages/', here)).map(
  (dir) => JSON.parse(readFileSync(new URL(`packages/${dir}/package.json`, here), 'utf8')).name,
);
/** Lines of a list file under tooling/typedoc/, without blank lines and `#` comments. */
const list = (name) =>
  readFileSync(new URL(`tooling/typedoc/${name}`, here), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'volback',
  entryPointStrategy: 'packages',
  entryPoints: ['packages/*'],
  // Each package's entry points are the sources of its package.json `exports` (a package with
  // more than src/index.ts names them in its own typedoc.json); the build tsconfig leaves tests out.
  // A type a signature uses but no entry point exports fails the build (validation.notExported).
  packageOptions: {
    entryPoints: ['src/index.ts'],
    tsconfig: 'tsconfig.build.json',
    // No public repository to link sources to yet: links into a clone would be broken.
    disableSources: true,
  },
  out: 'docs/api',
  // `pnpm typecheck` checks the types; the docs build only reads them.
  skipErrorChecking: true,
  plugin: ['./tooling/typedoc/zod-field-docs.mjs'],
  // A dependency's types are documented by that dependency.
  excludeExternals: true,
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  // By default only the root package (private, exports nothing) must be documented.
  packagesRequiringDocumentation: packages,
  intentionallyNotDocumented: list('undocumented.txt'),
  treatValidationWarningsAsErrors: true,
  logLevel: 'Warn',
};
