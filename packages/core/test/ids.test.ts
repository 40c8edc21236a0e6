import { describe, expect, it } from 'vitest';
import { newBackupRecord } from '../src/backup-record.js';
import { objectStorePrefix, posixContainerFor, posixObjectPrefix, sha256ObjectName } from '../src/cinder-names.js';
import { ConfigError, InvalidBackupError } from '../src/errors.js';
import { encodeBackupMetadata, FORMAT_VERSION, parseBackupMetadata, type BackupMetadata } from '../src/format/backup-metadata.js';
import {
  checkIdentifier,
  checkStoredIdentifier,
  escapeUnprintable,
  identifierProblem,
  MAX_ID_BYTES,
  MAX_PREFIX_BYTES,
  previewOf,
} from '../src/ids.js';

const UUID = '64c02f46-0599-5fd8-9bcf-487bcf67196d';

describe('id rules', () => {
  it('take UUIDs and other printable ids up to the bound, in any script', () => {
    for (const id of [UUID, 'vol-web_1.data', 'nightly 2024-05-01', 'a', 'x'.repeat(MAX_ID_BYTES), 'тест-том', 'vol😀']) {
      expect(identifierProblem('volume id', id), id).toBeNull();
      expect(identifierProblem('backup id', id), id).toBeNull();
    }
  });

  it.each([
    ['', /empty/],
    ['x'.repeat(MAX_ID_BYTES + 1), /101 bytes long, more than the 100/],
    ['é'.repeat(51), /102 bytes long/],
    ['a\nb', /not printable/],
    ['a\rb', /not printable/],
    ['\u001b[31mred', /not printable/],
    ['nul\u0000', /not printable/],
    ['del\u007f', /not printable/],
    ['c1\u009b31m', /not printable/],
    ['bidi\u202eevil', /not printable/],
    ['line\u2028sep', /not printable/],
    ['lone\ud800', /not printable/],
    ['a/b', /"\/"/],
    ['a\\b', /backslash/],
    ['.', /"\." or "\.\."/],
    ['..', /"\." or "\.\."/],
  ])('refuse %j', (id, why) => {
    expect(identifierProblem('volume id', id)).toMatch(why);
  });

  it('refuse "_backup_" in backup ids only: it ends the prefix of Cinder object names', () => {
    expect(identifierProblem('backup id', 'a_backup_b')).toMatch(/_backup_/);
    expect(identifierProblem('parent id', 'a_backup_b')).toMatch(/_backup_/);
    expect(identifierProblem('volume id', 'a_backup_b')).toBeNull();
  });

  it('take containers and prefixes as relative paths, and refuse what would leave them', () => {
    expect(identifierProblem('container', '64/c0/' + UUID)).toBeNull();
    expect(identifierProblem('prefix', `volume_${UUID}/20240501120000/az_nova_backup_${UUID}`)).toBeNull();
    for (const bad of ['/abs', 'a//b', 'a/../b', './a', 'a/', 'c'.repeat(256)])
      expect(identifierProblem('container', bad), bad).not.toBeNull();
    expect(identifierProblem('prefix', 'p'.repeat(MAX_PREFIX_BYTES))).toBeNull();
    expect(identifierProblem('prefix', 'p'.repeat(MAX_PREFIX_BYTES + 1))).toMatch(/more than the 244/);
  });

  it('raise ConfigError for user input and InvalidBackupError for what was read, quoting the value short and escaped', () => {
    const long = `\u001b[2J${'z'.repeat(100_000)}`;
    const user = (() => {
      try {
        return checkIdentifier('volume id', long, '--volume-id');
      } catch (e) {
        return e;
      }
    })();
    expect(user).toBeInstanceOf(ConfigError);
    expect(user).toMatchObject({ field: '--volume-id' });
    const message = (user as Error).message;
    expect(message.length).toBeLessThan(200);
    expect(message).not.toContain('\u001b');
    expect(message).toContain('\\u001b[2J');
    expect(message).toContain('(100004 characters)');
    expect(() => checkStoredIdentifier('parent id', 42, 'P_metadata')).toThrow(InvalidBackupError);
    expect(() => checkStoredIdentifier('parent id', 42, 'P_metadata')).toThrow(/P_metadata: parent id of type number is not a string/);
  });

  it('escape every unprintable character for a terminal, newlines only when asked', () => {
    expect(escapeUnprintable('a\u001bb\u202ec\n\u{f0000}')).toBe('a\\u001bb\\u202ec\\u000a\\u{f0000}');
    expect(escapeUnprintable('a\nb', true)).toBe('a\nb');
    expect(previewOf('ok')).toBe('"ok"');
  });
});

describe('object names built from ids', () => {
  const record = (id: string, volumeId: string) => ({ ...newBackupRecord({ volumeId, id }), createdAt: new Date('2024-05-01T12:00:00Z') });

  it('refuse ids that break the rules with a ConfigError, before any name is built', () => {
    for (const [id, volumeId] of [
      [UUID, 'v'.repeat(5000)],
      ['b'.repeat(300), 'v'],
      [UUID, 'a\nb'],
      ['a/b', 'v'],
    ] as const) {
      expect(() => posixObjectPrefix(record(id, volumeId))).toThrow(ConfigError);
      expect(() => objectStorePrefix(record(id, volumeId), 'nova')).toThrow(ConfigError);
    }
    expect(() => posixContainerFor('b'.repeat(300))).toThrow(ConfigError);
    expect(() => posixContainerFor('../../etc')).toThrow(ConfigError);
  });

  it('fit every posix object name of the longest ids in one 255-byte file name', () => {
    const prefix = posixObjectPrefix(record('b'.repeat(MAX_ID_BYTES), 'v'.repeat(MAX_ID_BYTES)));
    expect(Buffer.byteLength(sha256ObjectName(prefix))).toBeLessThanOrEqual(255);
    expect(identifierProblem('prefix', prefix)).toBeNull();
  });

  it('refuse an object-store prefix that the availability zone makes too long', () => {
    expect(() => objectStorePrefix(record('b'.repeat(MAX_ID_BYTES), 'v'.repeat(MAX_ID_BYTES)), 'z'.repeat(64))).toThrow(
      /availability zone/,
    );
  });

  it('join the default posix container as os.path.join does, also for ids shorter than 4 characters', () => {
    expect(posixContainerFor(UUID)).toBe(`64/c0/${UUID}`);
    expect(posixContainerFor('abc')).toBe('ab/c/abc');
    expect(posixContainerFor('ab')).toBe('ab/ab');
    expect(posixContainerFor('a')).toBe('a/a');
    // Python slices code points: the emoji is never cut in two.
    expect(posixContainerFor('a😀bcd')).toBe('a😀/bc/a😀bcd');
  });
});

describe('_metadata ids', () => {
  const meta = (change: Partial<BackupMetadata>): Uint8Array =>
    encodeBackupMetadata({
      version: FORMAT_VERSION,
      backupId: UUID,
      volumeId: 'vol-1',
      backupName: null,
      backupDescription: null,
      createdAt: '2024-05-01 12:00:00+00:00',
      objects: [],
      parentId: null,
      volumeMeta: null,
      ...change,
    });

  it('are read when they follow the rules', () => {
    expect(parseBackupMetadata(meta({ parentId: 'p-1' }), 'P_metadata')).toMatchObject({
      backupId: UUID,
      volumeId: 'vol-1',
      parentId: 'p-1',
    });
  });

  it.each([
    { volumeId: 'v'.repeat(100_000) },
    { volumeId: '' },
    { volumeId: 'a/../../b' },
    { backupId: 'b\u001b[31m' },
    { backupId: 'x_backup_y' },
    { parentId: 'p'.repeat(300) },
    { parentId: 'p\nq' },
  ])('are refused with InvalidBackupError naming the object: %j', (change) => {
    const err = (() => {
      try {
        return parseBackupMetadata(meta(change), 'P_metadata');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidBackupError);
    expect((err as Error).message).toMatch(/^P_metadata: (backup|volume|parent) id /);
    expect((err as Error).message.length).toBeLessThan(300);
  });
});
