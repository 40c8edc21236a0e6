import { DEFAULT_HASH_BLOCK_SIZE, MAX_OBJECT_SIZE, newBackupRecord, type BackupRecord } from '@volback/core';
import { normalizeCompressionTag } from '@volback/core/format';
import { idOpt, intOpt, positionals, sizeOpt, storeTarget, stringOpt } from '../args.js';
import { STORE_OPTIONS, type Command } from '../command.js';
import { recordJson } from '../format.js';
import { UsageError } from '../io.js';
import { openTarget } from '../open-target.js';
import { outputOptions } from '../output-options.js';
import { progressReporter } from '../progress-reporter.js';
import { backupSummary } from '../result-summary.js';
import { withInterrupt } from '../interrupt.js';
import { volumeIdForPath } from '../volume-id.js';
import { openBackupSource } from '../running-backups.js';

export const backupCommand: Command = {
  name: 'backup',
  summary: 'back up a volume image or block device (full, or incremental on the latest backup of the volume)',
  usage:
    '<image> --to <store> [--incremental | --parent <id>] [--compression zstd|zlib|bz2|none] [--level N] [--volume-id ID] [--name N] [--description D] [--object-size 8M] [--id ID] [--json]',
  options: {
    ...STORE_OPTIONS,
    incremental: { type: 'boolean', short: 'i' },
    parent: { type: 'string' },
    compression: { type: 'string', short: 'c' },
    level: { type: 'string' },
    'volume-id': { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    'object-size': { type: 'string' },
    id: { type: 'string' },
  },
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
      else if (parentId) await target.catalog.get(parentId);

      const record = newBackupRecord({
        volumeId,
        parentId,
        ...(givenId !== undefined ? { id: givenId } : {}),
        displayName: stringOpt(values, 'name') ?? null,
        displayDescription: stringOpt(values, 'description') ?? null,
      });
      const source = await openBackupSource(io, image, target.store); // refused inside the store; marked as being read
      const started = process.hrtime.bigint();
      const output = outputOptions(values);
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
      const zeroBytes = progress.last()?.zeroBytes ?? 0;
      const unchangedBytes = progress.last()?.unchangedBytes ?? 0;
      if (output.json) {
        io.stdout.write(
          JSON.stringify(
            {
              ...recordJson(result.record),
              fullBecause: result.fullBecause ?? null,
              storedBytes: result.storedBytes,
              zeroBytes,
              unchangedBytes,
              seconds,
            },
            null,
            2,
          ) + '\n',
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
