import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CORE_API_VERSION,
  defineDriverPlugin,
  discoverPlugins,
  DriverRegistry,
  DRIVER_BRAND,
  isDriverPlugin,
  loadDriverPlugin,
  parseManifest,
  parseWorkspacePatterns,
  targetToUrl,
  type DiscoveredPlugin,
} from '../src/plugins/index.js';

const manifest = (id: string, extra: Record<string, unknown> = {}) => ({
  manifestVersion: 1,
  kind: 'driver',
  id,
  schemes: [id],
  apiVersion: '^1.0.0',
  entry: './index.js',
  ...extra,
});

/**
 * A plugin entry that needs no copy of core: the brand is `Symbol.for`, which is the point.
 * Importing it appends to `marker`, so tests can tell whether discovery ran plugin code.
 */
const pluginSource = (id: string, marker: string, body = '') => `
import { appendFileSync } from 'node:fs';
appendFileSync(${JSON.stringify(marker)}, ${JSON.stringify(`${id}\n`)});
${body}
const store = { driverId: ${JSON.stringify(id)}, made: true };
export default {
  [Symbol.for('volback.driver')]: true,
  id: ${JSON.stringify(id)},
  configSchema: { type: 'object' },
  parseConfig(input) {
    if (typeof input !== 'object' || input === null) throw Object.assign(new Error('bad config'), { code: 'E_CONFIG' });
    return input;
  },
  configFromUrl(url) { return { where: url.href }; },
  createStore(config) { return { ...store, config }; },
};
`;

let root: string;
let marker: string;

async function writePackage(dir: string, pkg: Record<string, unknown>, files: Record<string, string> = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
}

/** A host project with one node_modules package per plugin case (and a pnpm-style symlinked one). */
async function buildHost(): Promise<string> {
  const host = join(root, 'host');
  const nm = join(host, 'node_modules');
  await writePackage(host, { name: 'host-app', version: '1.0.0' });
  await writePackage(
    join(nm, 'volback-driver-good'),
    { name: 'volback-driver-good', version: '1.2.3', volback: manifest('good') },
    {
      'index.js': pluginSource('good', marker),
    },
  );
  await writePackage(
    join(nm, '@acme', 'volback-driver-scoped'),
    {
      name: '@acme/volback-driver-scoped',
      version: '0.1.0',
      volback: manifest('scoped', { schemes: ['scoped', 'scoped+tls'], entry: './dist/main.js' }),
    },
    { 'dist/main.js': pluginSource('scoped', marker) },
  );
  // pnpm layout: the real package lives in .pnpm, node_modules holds a symlink.
  const real = join(nm, '.pnpm', 'volback-driver-linked@2.0.0', 'node_modules', 'volback-driver-linked');
  await writePackage(
    real,
    { name: 'volback-driver-linked', version: '2.0.0', volback: manifest('linked') },
    {
      'index.js': pluginSource('linked', marker),
    },
  );
  await symlink(real, join(nm, 'volback-driver-linked'), 'dir');
  await writePackage(join(nm, 'volback-driver-noentry'), {
    name: 'volback-driver-noentry',
    version: '1.0.0',
    volback: manifest('noentry'),
  });
  await writePackage(
    join(nm, 'volback-driver-unbranded'),
    { name: 'volback-driver-unbranded', version: '1.0.0', volback: manifest('unbranded') },
    {
      'index.js': `export default { id: 'unbranded', configSchema: {}, parseConfig: (x) => x, createStore: () => ({}) };`,
    },
  );
  await writePackage(
    join(nm, 'volback-driver-future'),
    {
      name: 'volback-driver-future',
      version: '9.0.0',
      volback: manifest('future', { apiVersion: '^2.0.0' }),
    },
    { 'index.js': pluginSource('future', marker) },
  );
  await writePackage(
    join(nm, 'volback-driver-explodes'),
    { name: 'volback-driver-explodes', version: '1.0.0', volback: manifest('explodes') },
    {
      'index.js': pluginSource('explodes', marker, `throw new Error('boom at import');`),
    },
  );
  await writePackage(
    join(nm, 'volback-driver-ctor'),
    { name: 'volback-driver-ctor', version: '1.0.0', volback: manifest('ctor') },
    {
      'index.js': `
class Store { constructor() { throw new TypeError('cannot connect: ctor failed'); } }
export default { [Symbol.for('volback.driver')]: true, id: 'ctor', configSchema: {}, parseConfig: (x) => x, createStore: () => new Store() };`,
    },
  );
  await writePackage(
    join(nm, 'volback-driver-badmanifest'),
    {
      name: 'volback-driver-badmanifest',
      version: '1.0.0',
      volback: manifest('badmanifest', { schemes: ['S3:'] }),
    },
    { 'index.js': pluginSource('badmanifest', marker) },
  );
  await writePackage(
    join(nm, 'volback-driver-wrongid'),
    { name: 'volback-driver-wrongid', version: '1.0.0', volback: manifest('wrongid') },
    {
      'index.js': pluginSource('otherid', marker),
    },
  );
  // Same id as "good", found later: reported, never loaded.
  await writePackage(
    join(nm, 'zz-volback-driver-good-copy'),
    { name: 'zz-volback-driver-good-copy', version: '1.0.0', volback: manifest('good') },
    {
      'index.js': pluginSource('good', marker),
    },
  );
  await writePackage(
    join(nm, 'not-a-plugin'),
    { name: 'not-a-plugin', version: '1.0.0' },
    { 'index.js': 'throw new Error("never imported")' },
  );
  await mkdir(join(nm, '.bin'), { recursive: true });
  return host;
}

let host: string;
let found: DiscoveredPlugin[];
const byName = (name: string) => {
  const hit = found.find((p) => p.packageName === name);
  if (!hit) throw new Error(`${name} not discovered`);
  return hit;
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'volback-plugins-'));
  marker = join(root, 'imported.txt');
  await writeFile(marker, '');
  host = await buildHost();
  found = await discoverPlugins({ fromDir: host });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('discoverPlugins', () => {
  it('finds plain, scoped and pnpm-symlinked packages, and ignores packages without a manifest', () => {
    expect(byName('volback-driver-good')).toMatchObject({ id: 'good', version: '1.2.3', schemes: ['good'], status: 'ok' });
    expect(byName('@acme/volback-driver-scoped')).toMatchObject({ id: 'scoped', schemes: ['scoped', 'scoped+tls'], status: 'ok' });
    const linked = byName('volback-driver-linked');
    expect(linked.status).toBe('ok');
    expect(linked.dir).toContain('.pnpm');
    expect(found.some((p) => p.packageName === 'not-a-plugin' || p.packageName === 'host-app')).toBe(false);
  });

  it('finds a plugin among hundreds of packages when the process may open few files', async () => {
    // Reading every package.json at once ran out of file descriptors and silently missed plugins.
    const project = await mkdtemp(join(tmpdir(), 'volback-many-'));
    try {
      for (let i = 0; i < 300; i++) {
        await mkdir(join(project, 'node_modules', `pkg${i}`), { recursive: true });
        await writeFile(join(project, 'node_modules', `pkg${i}`, 'package.json'), JSON.stringify({ name: `pkg${i}`, version: '1.0.0' }));
      }
      const plugin = join(project, 'node_modules', 'zz-volback-driver');
      await mkdir(plugin);
      await writeFile(
        join(plugin, 'package.json'),
        JSON.stringify({ name: 'zz-volback-driver', version: '1.0.0', volback: manifest('zz') }),
      );
      await writeFile(join(plugin, 'index.js'), 'export default {};\n');
      // The built package (a child process can be given a low limit; this one cannot).
      const core = new URL('../dist/bundle/index.js', import.meta.url).href;
      const script = `const { discoverPlugins } = await import(${JSON.stringify(core)}); const found = await discoverPlugins({ fromDir: ${JSON.stringify(project)} }); console.log(found.map((p) => p.id).join(','));`;
      const run = spawnSync('bash', ['-c', `ulimit -n 64 && exec "$0" --input-type=module -e "$1"`, process.execPath, script], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('zz');
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });

  it('reads manifests without running any plugin code', async () => {
    expect(await readFile(marker, 'utf8')).toBe('');
  });

  it('reports a missing entry, an incompatible apiVersion and a bad manifest, naming the cause', () => {
    expect(byName('volback-driver-noentry')).toMatchObject({ status: 'error' });
    expect(byName('volback-driver-noentry').error).toMatch(/entry \.\/index\.js not found/);
    expect(byName('volback-driver-future').status).toBe('error');
    expect(byName('volback-driver-future').error).toMatch(/\^2\.0\.0.*1\.0\.0/);
    expect(byName('volback-driver-badmanifest').status).toBe('error');
    expect(byName('volback-driver-badmanifest').error).toMatch(/volback\.schemes/);
  });

  it('keeps the first of two packages with the same id and reports the other', () => {
    expect(byName('volback-driver-good').status).toBe('ok');
    const dup = byName('zz-volback-driver-good-copy');
    expect(dup.status).toBe('error');
    expect(dup.error).toMatch(/already provided by volback-driver-good@1\.2\.3/);
  });

  it('includes the host itself and the packages of its pnpm workspace', async () => {
    const ws = join(root, 'ws');
    await writeFile(join(root, 'marker-ws'), '');
    await mkdir(ws, { recursive: true });
    await writeFile(join(ws, 'pnpm-workspace.yaml'), "packages:\n  - 'packages/*'\n  - \"tools/**\"\n  - '!packages/ignored'\n");
    await writePackage(
      join(ws, 'packages', 'app'),
      { name: 'app', version: '1.0.0', volback: manifest('self') },
      {
        'index.js': pluginSource('self', marker),
      },
    );
    await writePackage(
      join(ws, 'packages', 'driver-a'),
      { name: '@ws/driver-a', version: '1.0.0', volback: manifest('wsa') },
      {
        'index.js': pluginSource('wsa', marker),
      },
    );
    await writePackage(
      join(ws, 'packages', 'ignored'),
      { name: 'ignored', version: '1.0.0', volback: manifest('ignored') },
      {
        'index.js': pluginSource('ignored', marker),
      },
    );
    await writePackage(
      join(ws, 'tools', 'deep', 'driver-b'),
      { name: 'driver-b', version: '1.0.0', volback: manifest('wsb') },
      {
        'index.js': pluginSource('wsb', marker),
      },
    );
    const list = await discoverPlugins({ fromDir: join(ws, 'packages', 'app') });
    const ok = list.filter((p) => p.status === 'ok').map((p) => p.id);
    expect(ok).toEqual(['self', 'wsa', 'wsb']);
    expect(list.filter((p) => p.id === 'self')).toHaveLength(1);
  });

  it('returns nothing for a folder without packages', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty, { recursive: true });
    expect(await discoverPlugins({ fromDir: empty })).toEqual([]);
  });
});

describe('loadDriverPlugin', () => {
  it('imports a good plugin and checks its brand', async () => {
    const plugin = await loadDriverPlugin(byName('volback-driver-good'));
    expect(isDriverPlugin(plugin)).toBe(true);
    expect(plugin.id).toBe('good');
    expect((await readFile(marker, 'utf8')).split('\n')).toContain('good');
  });

  it('refuses an export without the brand', async () => {
    await expect(loadDriverPlugin(byName('volback-driver-unbranded'))).rejects.toMatchObject({
      code: 'E_PLUGIN',
      message: expect.stringMatching(/volback-driver-unbranded@1\.0\.0.*Symbol\.for\('volback\.driver'\)/),
    });
  });

  it('turns an entry that throws at import into a PluginError naming the package', async () => {
    await expect(loadDriverPlugin(byName('volback-driver-explodes'))).rejects.toMatchObject({
      code: 'E_PLUGIN',
      message: expect.stringMatching(/volback-driver-explodes.*boom at import/),
    });
  });

  it('refuses an entry whose id differs from the manifest', async () => {
    await expect(loadDriverPlugin(byName('volback-driver-wrongid'))).rejects.toMatchObject({
      code: 'E_PLUGIN',
      message: expect.stringMatching(/"otherid".*"wrongid"/),
    });
  });

  it('refuses a package discovery already reported as broken', async () => {
    await expect(loadDriverPlugin(byName('volback-driver-future'))).rejects.toMatchObject({ code: 'E_PLUGIN' });
  });
});

describe('DriverRegistry', () => {
  it('loads every usable discovered plugin and reports each broken one without stopping', async () => {
    const registry = new DriverRegistry();
    const results = await registry.loadDiscovered(host);
    expect(registry.ids().sort()).toEqual(['ctor', 'good', 'linked', 'scoped']);
    const failed = results
      .filter((r) => r.error)
      .map((r) => r.discovered.packageName)
      .sort();
    expect(failed).toEqual([
      'volback-driver-badmanifest',
      'volback-driver-explodes',
      'volback-driver-future',
      'volback-driver-noentry',
      'volback-driver-unbranded',
      'volback-driver-wrongid',
      'zz-volback-driver-good-copy',
    ]);
    expect(results.every((r) => !r.error || r.error.code === 'E_PLUGIN')).toBe(true);
    expect(registry.forScheme('scoped+tls')?.id).toBe('scoped');
  });

  it('resolveTarget picks the plugin by scheme, discovering it, and creates the store from URL config', async () => {
    const registry = new DriverRegistry();
    const resolved = await registry.resolveTarget('scoped+tls://bucket/path?x=1', { fromDir: host });
    expect(resolved.kind).toBe('store');
    expect(resolved.plugin.id).toBe('scoped');
    if (resolved.kind !== 'store') throw new Error('expected a store');
    expect(resolved.store).toMatchObject({ driverId: 'scoped', config: { where: 'scoped+tls://bucket/path?x=1' } });
  });

  it('resolveTarget merges explicit config over the URL config', async () => {
    const registry = new DriverRegistry();
    const resolved = await registry.resolveTarget('good://x', { fromDir: host, config: { extra: 1 } });
    expect(resolved.config).toEqual({ where: 'good://x', extra: 1 });
  });

  it('resolveTarget maps a bare path to the file scheme', async () => {
    const registry = new DriverRegistry();
    let seen: unknown;
    registry.register(
      defineDriverPlugin({
        id: 'posix-like',
        schemes: ['file'],
        configSchema: { type: 'object' },
        parseConfig: (input) => input,
        configFromUrl: (url) => ({ path: url.pathname }),
        createStore: (config) => {
          seen = config;
          return {} as never;
        },
      }),
    );
    await registry.resolveTarget('/srv/backups', { discover: false });
    expect(seen).toEqual({ path: '/srv/backups' });
    expect(targetToUrl('relative/dir').protocol).toBe('file:');
    expect(targetToUrl('s3://bucket/p').protocol).toBe('s3:');
  });

  it('resolveTarget reports an unknown scheme and a store that fails to construct', async () => {
    const registry = new DriverRegistry();
    await expect(registry.resolveTarget('nope://x', { fromDir: host })).rejects.toMatchObject({
      code: 'E_PLUGIN',
      message: expect.stringMatching(/"nope:"/),
    });
    await expect(registry.resolveTarget('ctor://x', { fromDir: host })).rejects.toMatchObject({
      code: 'E_PLUGIN',
      message: expect.stringMatching(/driver "ctor" failed: cannot connect: ctor failed/),
    });
  });

  it('resolveTarget lets a typed config error through', async () => {
    const registry = new DriverRegistry();
    registry.register(
      defineDriverPlugin({
        id: 'strict',
        configSchema: {},
        parseConfig: () => {
          throw Object.assign(new Error('bucket is required'), { code: 'E_CONFIG' });
        },
        createStore: () => ({}) as never,
      }),
    );
    await expect(registry.resolveTarget('strict://x', { discover: false })).rejects.toMatchObject({ code: 'E_CONFIG' });
  });

  it('register refuses unbranded objects and a second plugin with the same id or scheme', () => {
    const registry = new DriverRegistry();
    const a = defineDriverPlugin({ id: 'a', configSchema: {}, parseConfig: (x) => x, createStore: () => ({}) as never });
    registry.register(a);
    registry.register(a);
    const a2 = defineDriverPlugin({ id: 'a', configSchema: {}, parseConfig: (x) => x, createStore: () => ({}) as never });
    expect(() => registry.register(a2)).toThrow(/already registered/);
    const b = defineDriverPlugin({ id: 'b', schemes: ['a'], configSchema: {}, parseConfig: (x) => x, createStore: () => ({}) as never });
    expect(() => registry.register(b)).toThrow(/scheme "a:" is already served/);
    expect(() => registry.register({ id: 'c' } as never)).toThrow(/not a driver plugin/);
  });
});

describe('defineDriverPlugin', () => {
  it('stamps the Symbol.for brand', () => {
    const p = defineDriverPlugin({ id: 'x', configSchema: {}, parseConfig: (i) => i, createStore: () => ({}) as never });
    expect(p[DRIVER_BRAND]).toBe(true);
    expect((p as unknown as Record<symbol, unknown>)[Symbol.for('volback.driver')]).toBe(true);
  });

  it('requires exactly one of createStore and createDriver', () => {
    expect(() => defineDriverPlugin({ id: 'x', configSchema: {}, parseConfig: (i: unknown) => i } as never)).toThrow(/exactly one/);
    expect(() =>
      defineDriverPlugin({
        id: 'x',
        configSchema: {},
        parseConfig: (i: unknown) => i,
        createStore: () => ({}),
        createDriver: () => ({}),
      } as never),
    ).toThrow(/exactly one/);
  });
});

describe('parseManifest', () => {
  it('accepts a valid manifest', () => {
    expect(parseManifest(manifest('s3', { schemes: ['s3', 's3+http'] }), 'pkg')).toEqual({
      manifestVersion: 1,
      kind: 'driver',
      id: 's3',
      schemes: ['s3', 's3+http'],
      apiVersion: '^1.0.0',
      entry: './index.js',
    });
  });

  it.each([
    [{ manifestVersion: 2 }, 'volback.manifestVersion'],
    [{ kind: 'codec' }, 'volback.kind'],
    [{ id: 'S3' }, 'volback.id'],
    [{ schemes: [] }, 'volback.schemes'],
    [{ schemes: ['s3:'] }, 'volback.schemes'],
    [{ apiVersion: 'latest-ish' }, 'volback.apiVersion'],
    [{ entry: '../outside.js' }, 'volback.entry'],
    [{ entry: '/abs.js' }, 'volback.entry'],
  ])('names the bad field in %j', (patch, field) => {
    expect(() => parseManifest(manifest('s3', patch), 'my-pkg')).toThrow(
      new RegExp(`^my-pkg: package\\.json ${field.replace('.', '\\.')}`),
    );
  });

  it('refuses a manifest that is not an object', () => {
    expect(() => parseManifest('driver', 'p')).toThrow(/"volback" must be an object/);
  });

  it('core declares a semver API version', () => {
    expect(CORE_API_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('parseWorkspacePatterns', () => {
  it('reads block and flow sequences, quotes and comments', () => {
    expect(
      parseWorkspacePatterns('packages:\n  - packages/*  # libs\n  - \'examples/*\'\n  - "./tooling/"\nonlyBuiltDependencies:\n  - x\n'),
    ).toEqual(['packages/*', 'examples/*', 'tooling']);
    expect(parseWorkspacePatterns("packages: ['a/*', b]\n")).toEqual(['a/*', 'b']);
  });
});
