import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackendError, ConfigError } from '@volback/core';
import { PosixObjectStore, createPosixStore, parsePosixConfig, posixConfigFromUrl, posixConfigSchema } from '../src/index.js';
import { backendErrorFromFs } from '../src/fs-errors.js';

function configErrorField(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).field;
  }
  throw new Error('expected a ConfigError');
}

describe('parsePosixConfig', () => {
  it('accepts a full valid config and leaves absent fields absent', () => {
    expect(parsePosixConfig({ root: '/srv/b' })).toEqual({ root: '/srv/b' });
    expect(parsePosixConfig({ root: '/srv/b', fileMode: 0o640, dirMode: 0o750, fsync: false, maxConcurrency: 64 })).toEqual({
      root: '/srv/b',
      fileMode: 0o640,
      dirMode: 0o750,
      fsync: false,
      maxConcurrency: 64,
    });
  });

  it('accepts modes as octal strings, since JSON has no octal numbers', () => {
    expect(parsePosixConfig({ root: '/r', fileMode: '0640', dirMode: '0o750' })).toMatchObject({ fileMode: 0o640, dirMode: 0o750 });
    expect(parsePosixConfig({ root: '/r', fileMode: '600' }).fileMode).toBe(0o600);
  });

  it('names the field at fault', () => {
    expect(configErrorField(() => parsePosixConfig(null))).toBeUndefined();
    expect(configErrorField(() => parsePosixConfig('/srv'))).toBeUndefined();
    expect(configErrorField(() => parsePosixConfig({}))).toBe('root');
    expect(configErrorField(() => parsePosixConfig({ root: '' }))).toBe('root');
    expect(configErrorField(() => parsePosixConfig({ root: 42 }))).toBe('root');
    expect(configErrorField(() => parsePosixConfig({ root: 'a\0b' }))).toBe('root');
    expect(configErrorField(() => parsePosixConfig({ root: '/r', fileMode: 0o1000 }))).toBe('fileMode');
    expect(configErrorField(() => parsePosixConfig({ root: '/r', fileMode: 1.5 }))).toBe('fileMode');
    expect(configErrorField(() => parsePosixConfig({ root: '/r', fileMode: -1 }))).toBe('fileMode');
    expect(configErrorField(() => parsePosixConfig({ root: '/r', fileMode: '0999' }))).toBe('fileMode');
    // 660 written in decimal is 0o1224: refused instead of silently becoming a strange mode.
    expect(configErrorField(() => parsePosixConfig({ root: '/r', dirMode: 660 }))).toBe('dirMode');
    expect(configErrorField(() => parsePosixConfig({ root: '/r', fsync: 'yes' }))).toBe('fsync');
    expect(configErrorField(() => parsePosixConfig({ root: '/r', maxConcurrency: 0 }))).toBe('maxConcurrency');
    expect(configErrorField(() => parsePosixConfig({ root: '/r', maxConcurrency: 65 }))).toBe('maxConcurrency');
    expect(configErrorField(() => parsePosixConfig({ root: '/r', maxConcurrency: 2.5 }))).toBe('maxConcurrency');
    expect(configErrorField(() => parsePosixConfig({ root: '/r', fileMod: 0o600 }))).toBe('fileMod');
  });
});

describe('posixConfigFromUrl', () => {
  it('reads file: URLs and plain paths', () => {
    expect(posixConfigFromUrl('file:///srv/backups')).toEqual({ root: '/srv/backups' });
    expect(posixConfigFromUrl(new URL('file:///srv/my%20backups'))).toEqual({ root: '/srv/my backups' });
    expect(posixConfigFromUrl('file://localhost/srv/backups')).toEqual({ root: '/srv/backups' });
    expect(posixConfigFromUrl('/srv/backups')).toEqual({ root: '/srv/backups' });
    expect(posixConfigFromUrl('./backups')).toEqual({ root: './backups' });
  });

  it('takes the other settings from the query', () => {
    expect(posixConfigFromUrl('file:///srv/b?fsync=false&maxConcurrency=8&fileMode=0640&dirMode=0750')).toEqual({
      root: '/srv/b',
      fsync: false,
      maxConcurrency: 8,
      fileMode: 0o640,
      dirMode: 0o750,
    });
    expect(configErrorField(() => posixConfigFromUrl('file:///srv/b?maxConcurrency=many'))).toBe('maxConcurrency');
    expect(configErrorField(() => posixConfigFromUrl('file:///srv/b?colour=red'))).toBe('colour');
  });

  it('refuses other schemes and remote hosts', () => {
    expect(configErrorField(() => posixConfigFromUrl('s3://bucket/x'))).toBe('root');
    expect(configErrorField(() => posixConfigFromUrl('file://otherhost/srv'))).toBe('root');
  });
});

describe('posixConfigSchema', () => {
  it('describes every field as plain JSON data, with the defaults the store applies', () => {
    const roundTripped = JSON.parse(JSON.stringify(posixConfigSchema)) as typeof posixConfigSchema;
    expect(roundTripped).toEqual(posixConfigSchema);
    expect(Object.keys(posixConfigSchema.properties).sort()).toEqual(['dirMode', 'fileMode', 'fsync', 'maxConcurrency', 'root']);
    expect(posixConfigSchema.required).toEqual(['root']);
    expect(posixConfigSchema.properties.root.required).toBe(true);
    const store = new PosixObjectStore({ root: '/r' });
    expect(store.capabilities.maxConcurrency).toBe(posixConfigSchema.properties.maxConcurrency.default);
    expect(posixConfigSchema.properties.fileMode.default).toBe(0o660);
    expect(posixConfigSchema.properties.dirMode.default).toBe(0o770);
  });
});

describe('createPosixStore', () => {
  it('validates then constructs, resolving the root to an absolute path', () => {
    const store = createPosixStore({ root: 'rel/backups', maxConcurrency: 2 });
    expect(store).toBeInstanceOf(PosixObjectStore);
    expect(store.root).toBe(join(process.cwd(), 'rel/backups'));
    expect(store.capabilities.maxConcurrency).toBe(2);
    expect(() => createPosixStore({ root: '/r', maxConcurrency: 'x' })).toThrow(ConfigError);
  });
});

describe('fs error mapping', () => {
  const fsErr = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: boom`), { code });

  it('marks full disks and I/O errors permanent, contention transient, and keeps path and cause', () => {
    for (const [code, transient] of [
      ['ENOSPC', false],
      ['EIO', false],
      ['EROFS', false],
      ['EAGAIN', true],
      ['EBUSY', true],
    ] as const) {
      const cause = fsErr(code);
      const err = backendErrorFromFs(cause, 'write', '/srv/b/c/obj');
      expect(err).toBeInstanceOf(BackendError);
      expect(err.transient).toBe(transient);
      expect(err.message).toContain('/srv/b/c/obj');
      expect(err.message).toContain(code);
      expect(err.cause).toBe(cause);
    }
  });
});
