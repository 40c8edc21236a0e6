import { DEFAULT_HASH_BLOCK_SIZE, MAX_OBJECT_SIZE, newBackupRecord, type BackupRecord } from '@volback/core';
import { normalizeCompressionTag } from '@volback/core/format';
import { idOpt, intOpt, positionals, sizeOpt, storeTarget, stringOpt } from '../args.js';
import { storeOptions, type Command } from '../command.js';
import { jsonLine, recordJson } from '../format.js';
import { backupNamedBy } from '../backup-id.js';
import { UsageError } from '../io.js';
import { openTarget } from '../open-target.js';
import { outputMode } from '../output-mode.js';
import { progressReporter } from '../progress-reporter.js';
import { backupSummary } from '../result-summary.js';
import { withInterrupt } from '../interrupt.js';
import { volumeIdForPath } from '../volume-id.js';
import { openBackupSource } from '../running-backups.js';

export const backupCommand: Command = {
  name: 'backup',
  summary: 'back up a volume image or block device (full, or incremental on the latest backup of the volume)',
  details:
    'Reads the image in objects (8 MiB by default), compresses them and writes them with their MD5 and the SHA-256 of every 32 KiB block; the backup exists once its _metadata is written, last. An incremental stores only the blocks whose SHA-256 changed since its parent. Prints the new backup id.',
  arguments: [{ name: 'image', description: 'the volume image file or block device to back up' }],
  store: 'to',
  options: {
    ...storeOptions('to'),
    incremental: { type: 'boolean', short: 'i', description: "incremental on the volume's latest backup in the store" },
    parent: { type: 'string', value: '<id>', description: 'incremental on this backup (an id or a unique prefix of one)' },
    compression: {
      type: 'string',
      short: 'c',
      value: '<codec>',
      description: 'zstd (default), zlib (Cinder’s default), bz2 or none',
      choices: ['zstd', 'zlib', 'bz2', 'none'],
      env: 'VOLBACK_COMPRESSION',
      configDefault: 'compression',
    },
    level: {
      type: 'string',
      value: '<n>',
      description: 'compression level (zstd -7…22, default 1; zlib 0…9)',
      env: 'VOLBACK_LEVEL',
      configDefault: 'level',
    },
    'volume-id': {
      type: 'string',
      value: '<id>',
      description: "the volume's id (default: derived from the image's real path, so the same image finds its backups)",
    },
    name: { type: 'string', value: '<text>', description: 'a display name stored with the backup' },
    description: { type: 'string', value: '<text>', description: 'a description stored with the backup' },
    'object-size': {
      type: 'string',
      value: '<size>',
      description: 'bytes per object: a multiple of 32K, at most 256M (default 8M)',
      env: 'VOLBACK_OBJECT_SIZE',
      configDefault: 'objectSize',
    },
    id: { type: 'string', value: '<id>', description: "the new backup's id (default: a random UUID)" },
  },
  examples: [
    ['volback backup disk.img --to /srv/backups', 'full backup into a directory'],
    ['volback backup disk.img --to /srv/backups --incremental', 'only what changed since the last one'],
    ['volback backup /dev/vg0/data --to s3://bucket/backups', 'a block device, to S3 (credentials from the environment)'],
    ['volback backup disk.img --to prod --name nightly', 'a target named in volback.config.json'],
  ],
  async run(args, values, io) {
    const [image] = positionals(args, ['image']) as [string];
    if (values.incremental && values.parent) throw new UsageError('--incremental picks the parent itself; give either it or --parent');
    const compressionArg = stringOpt(values, 'compression');
    const compression = compressionArg === undefined ? undefined : normalizeCompressionTag(compressionArg);
    // Every option is checked before the store is opened: nothing is allocated for a bad one.
    const objectSize = sizeOpt(values, 'object-size', {
      min: DEFAULT_HASH_BLOCK_SIZE,
      max: MAX_OBJECT_SIZE,
      multipleOf: DEFAULT_HASH_BLOCK_SIZE,
    });
    const level = intOpt(values, 'level', -7, 22);
    const givenVolumeId = idOpt(values, 'volume-id', 'volume id');
    const givenParentId = idOpt(values, 'parent', 'parent id');
    const givenId = idOpt(values, 'id', 'backup id');
    const target = await openTarget(storeTarget(values, io), io, {
      ...(compression ? { compression } : {}),
      ...(objectSize !== undefined ? { objectSize } : {}),
      startWorkers: true,
      createsStore: true,
    });
    try {
      const volumeId = givenVolumeId ?? (await volumeIdForPath(image));
      let parentId = givenParentId ?? null;
      if (values.incremental) parentId = (await latestBackupOf(target.catalog.list({ volumeId }), volumeId)).id;
      else if (parentId) parentId = (await backupNamedBy(target.catalog, parentId, '--parent')).id;

      const record = newBackupRecord({
        volumeId,
        parentId,
        ...(givenId !== undefined ? { id: givenId } : {}),
        displayName: stringOpt(values, 'name') ?? null,
        displayDescription: stringOpt(values, 'description') ?? null,
      });
      const source = await openBackupSource(io, image, target.store); // refused inside the store; marked as being read
      const started = process.hrtime.bigint();
      const output = outputMode(io);
      const progress = progressReporter(io, output);
      const result = await withInterrupt(io, (signal) => {
        return target.driver
          .backup(record, source, {
            signal,
            onProgress: progress.onProgress,
            ...(level !== undefined ? { compressionLevel: level } : {}),
          })
          .finally(() => source.close());
      }).finally(() => progress.stop());
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const zeroBytes = result.zeroBytes ?? 0;
      const unchangedBytes = result.unchangedBytes ?? 0;
      if (output.json) {
        io.stdout.write(
          jsonLine({
            ...recordJson(result.record),
            fullBecause: result.fullBecause ?? null,
            storedBytes: result.storedBytes,
            zeroBytes,
            unchangedBytes,
            seconds,
          }),
        );
      } else if (output.quiet) {
        io.stdout.write(`${result.record.id}\n`);
      } else {
        const summary = backupSummary({
          kind: result.kind,
          id: result.record.id,
          volumeId,
          parentId: result.record.parentId,
          volumeBytes: result.volumeBytes,
          storedBytes: result.storedBytes,
          objects: result.record.objectCount,
          zeroBytes,
          unchangedBytes,
          seconds,
        });
        io.stdout.write(`${summary}\n`);
        // A note beside the result, not in it: the summary keeps one shape whatever was made.
        if (result.fullBecause) io.stderr.write(`volback backup: an incremental was asked for, but ${explain(result.fullBecause)}\n`);
      }
      return 0;
    } finally {
      await target.close();
    }
  },
};

function explain(reason: string): string {
  if (reason === 'parent-size-changed') return 'the volume size differs from the parent backup, so this is a full backup';
  if (reason === 'hash-block-size-changed') return 'the hash block size differs from the parent backup, so this is a full backup';
  return 'the parent backup has no hash list, so this is a full backup';
}

/** Cinder's choice of parent: the volume's backup with the latest data timestamp. */
async function latestBackupOf(all: Promise<BackupRecord[]>, volumeId: string): Promise<BackupRecord> {
  // The catalog lists oldest first, parents before their incrementals even within one second.
  const latest = (await all).filter((r) => r.volumeId === volumeId).at(-1);
  if (!latest) {
    throw new UsageError(`no backups of volume ${volumeId} in this store to base an incremental on: make a full backup first`);
  }
  return latest;
}
