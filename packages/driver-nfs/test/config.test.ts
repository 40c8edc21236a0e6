import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFieldAtFault, schemaDefaults } from '@volback/core/testing';
import { definePluginPackageChecks } from '@volback/conformance';
import { DriverRegistry, targetToUrl } from '@volback/core';
import nfs, { Nfs3Error, sessionOptionsOf } from '../src/index.js';

const DEFAULTS = {
  path: '',
  portmapperPort: 111,
  timeoutMs: 60_000,
  connectTimeoutMs: 10_000,
  ioSize: 1024 * 1024,
  requestsInFlight: 8,
  maxConcurrency: 4,
  fileMode: 0o660,
  dirMode: 0o770,
  fsync: true,
};

const fromUrl = (target: string): unknown => nfs.parseConfig(nfs.configFromUrl?.(targetToUrl(target)));

describe('nfs config', () => {
  it('applies the defaults and keeps what is given', () => {
    expect(nfs.parseConfig({ host: 'filer', export: '/export' })).toEqual({ host: 'filer', export: '/export', ...DEFAULTS });
  });

  it('reads the URL form libnfs spells: nfs://host[:nfsport]/export/path?nfsport=&mountport=&uid=&gid=', () => {
    expect(fromUrl('nfs://127.0.0.1/export/backups?nfsport=20490&mountport=20491&uid=0&gid=100')).toMatchObject({
      host: '127.0.0.1',
      export: '/export/backups',
      nfsport: 20490,
      mountport: 20491,
      uid: 0,
      gid: 100,
    });
    expect(fromUrl('nfs://filer:2049/vol/a/')).toMatchObject({ host: 'filer', nfsport: 2049, export: '/vol/a' });
    expect(fromUrl('nfs://filer/export?path=team-a/&fsync=false')).toMatchObject({ export: '/export', path: 'team-a', fsync: false });
  });

  it('names the field at fault', () => {
    expect(configFieldAtFault(() => nfs.parseConfig({ export: '/e' }))).toBe('host');
    for (const exportPath of ['export', '/a/../b', '/a\0b', ''])
      expect(configFieldAtFault(() => nfs.parseConfig({ host: 'h', export: exportPath }))).toBe('export');
    expect(configFieldAtFault(() => nfs.parseConfig({ host: 'h', export: '/e', path: 'a/../b' }))).toBe('path');
    for (const nfsport of [0, 65_536, 1.5, 'x'])
      expect(configFieldAtFault(() => nfs.parseConfig({ host: 'h', export: '/e', nfsport }))).toBe('nfsport');
    expect(configFieldAtFault(() => nfs.parseConfig({ host: 'h', export: '/e', uid: -1 }))).toBe('uid');
    expect(configFieldAtFault(() => nfs.parseConfig({ host: 'h', export: '/e', machineName: 'x'.repeat(256) }))).toBe('machineName');
    expect(configFieldAtFault(() => nfs.parseConfig({ host: 'h', export: '/e', ioSize: 1000 }))).toBe('ioSize');
    expect(configFieldAtFault(() => nfs.parseConfig({ host: 'h', export: '/e', exprot: '/e' }))).toBe('exprot');
    expect(configFieldAtFault(() => fromUrl('nfs://user@h/e'))).toBe('username');
  });

  it('describes every field in its JSON Schema, with the defaults parsing applies', () => {
    const schema = nfs.configSchema as { required: string[]; properties: Record<string, { default?: unknown; description?: string }> };
    expect(schema.required.sort()).toEqual(['export', 'host']);
    for (const [name, p] of Object.entries(schema.properties)) expect(p.description, name).toBeTruthy();
    expect(schemaDefaults(schema)).toEqual(DEFAULTS);
  });

  it("calls as this process's uid and gid and this host unless told otherwise", () => {
    const own = sessionOptionsOf(nfs.parseConfig({ host: 'h', export: '/e' }));
    expect(own.identity.uid).toBe(process.getuid?.());
    expect(own.identity.gid).toBe(process.getgid?.());
    expect(own.identity.machineName.length).toBeGreaterThan(0);
    const given = sessionOptionsOf(
      nfs.parseConfig({ host: 'h', export: '/e', uid: 7, gid: 8, machineName: 'backup-01', nfsport: 1, mountport: 2 }),
    );
    expect(given).toMatchObject({ identity: { uid: 7, gid: 8, machineName: 'backup-01' }, nfsPort: 1, mountPort: 2 });
    // No port given: the portmapper is asked.
    expect(own.nfsPort).toBeUndefined();
  });
});

describe('nfs driver plugin', () => {
  it('turns an nfs: target into a store in the posix/NFS layout without contacting the server', async () => {
    const registry = new DriverRegistry();
    registry.register(nfs);
    const resolved = await registry.resolveTarget('nfs://127.0.0.1/export?nfsport=9&mountport=9', { discover: false });
    if (resolved.kind !== 'store') throw new Error('expected a store');
    expect(resolved.store.driverId).toBe('nfs');
    expect(resolved.store.serviceName).toBe('cinder.backup.drivers.nfs.NFSBackupDriver');
    expect(resolved.store.containerFor('0123abcd-0000-0000-0000-000000000000', null)).toBe('01/23/0123abcd-0000-0000-0000-000000000000');
    await resolved.store.close?.();
  });
});

describe('NFS status codes', () => {
  it('become the errno of the same failure on a local filesystem, keeping the protocol name', () => {
    const cases: [number, string, string][] = [
      [2, 'NFS3ERR_NOENT', 'ENOENT'],
      [13, 'NFS3ERR_ACCES', 'EACCES'],
      [1, 'NFS3ERR_PERM', 'EPERM'],
      [28, 'NFS3ERR_NOSPC', 'ENOSPC'],
      [69, 'NFS3ERR_DQUOT', 'EDQUOT'],
      [70, 'NFS3ERR_STALE', 'ESTALE'],
      [17, 'NFS3ERR_EXIST', 'EEXIST'],
      [66, 'NFS3ERR_NOTEMPTY', 'ENOTEMPTY'],
      [10008, 'NFS3ERR_JUKEBOX', 'EAGAIN'],
      [4242, 'NFS3ERR_4242', 'EIO'],
    ];
    for (const [stat, status, code] of cases) {
      const err = new Nfs3Error(stat, 'LOOKUP nfs://h:/e/x');
      expect([err.status, err.code]).toEqual([status, code]);
      expect(err.message).toContain(status);
    }
  });
});

// The package as hosts meet it: manifest, built entry, config schema.
definePluginPackageChecks({ describe, it, expect, beforeAll, afterAll }, new URL('..', import.meta.url));
