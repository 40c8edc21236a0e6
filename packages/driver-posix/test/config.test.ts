import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFieldAtFault, schemaDefaults } from '@volback/core/testing';
import { definePluginPackageChecks } from '@volback/conformance';
import { ConfigError, targetToUrl } from '@volback/core';
import posix, { createPosixStore } from '../src/index.js';

const DEFAULTS = { fileMode: 0o660, dirMode: 0o770, fsync: true, maxConcurrency: 4 };

/** A target as the CLI reads it: a path or a URL, mapped by the plugin, then validated. */
const fromTarget = (target: string): unknown => posix.parseConfig(posix.configFromUrl?.(targetToUrl(target)));

describe('config', () => {
  it("applies Cinder's modes and the other defaults, and takes every field", () => {
    expect(posix.parseConfig({ root: '/srv/b' })).toEqual({ root: '/srv/b', ...DEFAULTS });
    const all = { root: '/srv/b', fileMode: 0o640, dirMode: 0o750, fsync: false, maxConcurrency: 64 };
    expect(posix.parseConfig(all)).toEqual(all);
  });

  it('takes modes as octal strings, since JSON has no octal numbers', () => {
    expect(posix.parseConfig({ root: '/r', fileMode: '0640', dirMode: '0o750' })).toMatchObject({ fileMode: 0o640, dirMode: 0o750 });
    expect(posix.parseConfig({ root: '/r', fileMode: '600' })).toMatchObject({ fileMode: 0o600 });
  });

  it('names the field at fault', () => {
    expect(configFieldAtFault(() => posix.parseConfig(null))).toBeUndefined();
    expect(configFieldAtFault(() => posix.parseConfig('/srv'))).toBeUndefined();
    for (const root of [undefined, '', 42, 'a\0b']) expect(configFieldAtFault(() => posix.parseConfig({ root }))).toBe('root');
    for (const fileMode of [0o1000, 1.5, -1, '0999', '07777', true]) {
      expect(
        configFieldAtFault(() => posix.parseConfig({ root: '/r', fileMode })),
        String(fileMode),
      ).toBe('fileMode');
    }
    // 660 written in decimal is 0o1224: refused instead of silently becoming a strange mode.
    expect(configFieldAtFault(() => posix.parseConfig({ root: '/r', dirMode: 660 }))).toBe('dirMode');
    expect(configFieldAtFault(() => posix.parseConfig({ root: '/r', fsync: 'yes' }))).toBe('fsync');
    for (const maxConcurrency of [0, 65, 2.5])
      expect(configFieldAtFault(() => posix.parseConfig({ root: '/r', maxConcurrency }))).toBe('maxConcurrency');
    expect(configFieldAtFault(() => posix.parseConfig({ root: '/r', fileMod: 0o600 }))).toBe('fileMod');
  });

  it('describes every field in its JSON Schema, with the defaults parsing applies', () => {
    const schema = posix.configSchema as { required: string[]; properties: Record<string, { default?: unknown }> };
    expect(Object.keys(schema.properties).sort()).toEqual(['dirMode', 'fileMode', 'fsync', 'maxConcurrency', 'root']);
    expect(schema.required).toEqual(['root']);
    expect(schemaDefaults(schema)).toEqual(DEFAULTS);
  });
});

describe('targets', () => {
  it('reads file: URLs and plain paths', () => {
    expect(fromTarget('file:///srv/backups')).toEqual({ root: '/srv/backups', ...DEFAULTS });
    expect(fromTarget('file:///srv/my%20backups')).toMatchObject({ root: '/srv/my backups' });
    expect(fromTarget('file://localhost/srv/backups')).toMatchObject({ root: '/srv/backups' });
    expect(fromTarget('/srv/backups')).toMatchObject({ root: '/srv/backups' });
    expect(fromTarget('./backups')).toMatchObject({ root: resolve('backups') });
  });

  it('takes the other settings from the query', () => {
    expect(fromTarget('file:///srv/b?fsync=false&maxConcurrency=8&fileMode=0640&dirMode=0750')).toEqual({
      root: '/srv/b',
      fsync: false,
      maxConcurrency: 8,
      fileMode: 0o640,
      dirMode: 0o750,
    });
    expect(configFieldAtFault(() => fromTarget('file:///srv/b?maxConcurrency=many'))).toBe('maxConcurrency');
    expect(configFieldAtFault(() => fromTarget('file:///srv/b?colour=red'))).toBe('colour');
  });

  it('refuses remote hosts', () => {
    expect(configFieldAtFault(() => fromTarget('file://otherhost/srv'))).toBe('root');
  });
});

describe('createPosixStore', () => {
  it('validates, then makes the store on the absolute root', () => {
    const store = createPosixStore({ root: 'rel/backups', maxConcurrency: 2 });
    expect(store).toMatchObject({
      driverId: 'posix',
      serviceName: 'cinder.backup.drivers.posix.PosixBackupDriver',
      localRoot: resolve('rel/backups'),
    });
    expect(store.capabilities.maxConcurrency).toBe(2);
    expect(() => createPosixStore({ root: '/r', maxConcurrency: 'x' })).toThrow(ConfigError);
  });
});

// The package as hosts meet it: manifest, built entry, config schema.
definePluginPackageChecks({ describe, it, expect, beforeAll, afterAll }, new URL('..', import.meta.url));
