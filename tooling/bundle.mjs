// Bundles a package's compiled entry points (tsc output in dist/) into a few ES modules in
// dist/bundle/, which its package.json exports. Every volback command loads core, and loading
// ~100 small modules (core's and semver's) took ~110 ms of a 1.1 s incremental backup; the bundle
// loads in ~60 ms. Entries share chunks, so a class exists once whichever entry a caller imports.
//
//   node ../../tooling/bundle.mjs name=dist/path.js... [--inline dep...]
//
// Dependencies stay external (native modules, and what a host may share), except those named
// with --inline. Output files sit side by side, so `new URL('./x.js', import.meta.url)` between
// entries still resolves.
import { readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { rolldown } from 'rolldown';

const args = process.argv.slice(2);
const inlineAt = args.indexOf('--inline');
const entries = inlineAt < 0 ? args : args.slice(0, inlineAt);
const inline = new Set(inlineAt < 0 ? [] : args.slice(inlineAt + 1));
if (entries.length === 0 || entries.some((e) => !/^[\w-]+=.+\.js$/.test(e))) {
  console.error('usage: bundle.mjs name=dist/file.js... [--inline dependency...]');
  process.exit(2);
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies });
const external = deps.filter((d) => !inline.has(d));
const isExternal = (id) =>
  id.startsWith('node:') || builtinModules.includes(id) || external.some((d) => id === d || id.startsWith(`${d}/`));

const outDir = 'dist/bundle';
rmSync(outDir, { recursive: true, force: true });
const bundle = await rolldown({
  input: Object.fromEntries(entries.map((e) => e.split('='))),
  platform: 'node',
  external: isExternal,
  logLevel: 'warn',
});
await bundle.write({
  dir: outDir,
  format: 'esm',
  entryFileNames: '[name].js',
  chunkFileNames: '[name]-[hash].js',
  sourcemap: true,
});
await bundle.close();
