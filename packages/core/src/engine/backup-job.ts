import type { BackupRecord } from '../backup-record.js';
import { dataObjectName, metadataObjectName, sha256ObjectName } from '../cinder-names.js';
import type { Codec } from '../codecs/codec.js';
import { CancelledError, InvalidBackupError, throwIfAborted } from '../errors.js';
import { encodeBackupMetadata, FORMAT_VERSION, type ObjectEntry } from '../format/backup-metadata.js';
import { pythonDatetimeString } from '../format/cinder-datetime.js';
import { encodeSha256File } from '../format/sha256-file.js';
import type { ObjectStore } from '../object-store.js';
import type { ProgressListener } from '../progress.js';
import type { VolumeSource } from '../volume-source.js';
import { hashBlocks, md5Hex, zeroBlockSha256 } from './block-hashes.js';
import { TaskWindow } from './task-window.js';
import { ZeroObjectCache } from './zero-object-cache.js';

/** Everything one backup run needs, decided by the driver beforehand. */
export interface BackupJobInput {
  store: ObjectStore;
  record: BackupRecord;
  volume: VolumeSource;
  objectSize: number;
  blockSize: number;
  /** The tag written for compressed objects (Cinder writes the configured name, e.g. `gzip`). */
  compressionTag: string;
  codec: Codec;
  compressionLevel: number | undefined;
  /** The parent's block hashes, for an incremental; null for a full backup. */
  parentHashes: string[] | null;
  volumeMeta: string | null;
  zeroObjects: ZeroObjectCache;
  signal: AbortSignal | undefined;
  onProgress: ProgressListener | undefined;
}

export interface BackupJobOutput {
  record: BackupRecord;
  objects: ObjectEntry[];
  storedBytes: number;
}

/**
 * Cinder's chunked backup (cinder-format.md §4): read the volume in object-size chunks, hash
 * every block, store whole chunks (full) or the runs of changed blocks (incremental), then
 * `_sha256file`, then `_metadata` last. Objects compress and upload concurrently within a window.
 * On failure or cancellation every object already written is removed.
 */
export async function runBackupJob(input: BackupJobInput): Promise<BackupJobOutput> {
  const { store, volume, objectSize, blockSize, signal } = input;
  const container = store.containerFor(input.record.id, input.record.container);
  const record: BackupRecord = { ...input.record, container };
  const prefix = store.objectNamePrefix(record);
  record.serviceMetadata = prefix;

  await store.ensureContainer(container, { signal });
  const existing = await store.listObjects(container, prefix, { signal });
  if (existing.length > 0) {
    throw new InvalidBackupError(
      `objects already exist under ${container}/${prefix} (${existing.length}, e.g. ${existing[0]}): backup ${record.id} was already written; use a new backup id`,
    );
  }

  const objects: ObjectEntry[] = [];
  const sha256s: string[] = [];
  const window = new TaskWindow(Math.max(1, Math.min(store.capabilities.maxConcurrency, 8)));
  const progress = new BackupProgress(record.id, volume.size, input.onProgress);
  let storedBytes = 0;

  const storeObject = async (entry: ObjectEntry, data: Uint8Array, allZero: boolean): Promise<void> => {
    const stored = allZero
      ? await input.zeroObjects.get(data.length, input.codec, input.compressionLevel, input.compressionTag)
      : await compressObject(data, input);
    entry.md5 = stored.md5 ?? md5Hex(data);
    entry.compression = stored.tag;
    await store.putObject(container, entry.name, stored.bytes, { signal });
    storedBytes += stored.bytes.length;
    progress.add(entry.length, 1, stored.bytes.length);
  };

  try {
    for (let offset = 0; offset < volume.size; offset += objectSize) {
      throwIfAborted(signal);
      const length = Math.min(objectSize, volume.size - offset);
      const chunk = Buffer.allocUnsafe(length);
      await volume.readAt(offset, length, chunk);
      const hashes = hashBlocks(chunk, blockSize);
      const firstBlock = sha256s.length;
      sha256s.push(...hashes);

      let unchanged = length;
      for (const run of changedRuns(hashes, firstBlock, input.parentHashes)) {
        const start = run.first * blockSize;
        const end = Math.min(run.end * blockSize, length);
        unchanged -= end - start;
        const entry: ObjectEntry = {
          name: dataObjectName(prefix, objects.length + 1),
          offset: offset + start,
          length: end - start,
          md5: '',
          compression: '',
        };
        objects.push(entry);
        const allZero = hashes
          .slice(run.first, run.end)
          .every((h, i) => h === zeroBlockSha256(Math.min(blockSize, length - (run.first + i) * blockSize)));
        await window.run(() => storeObject(entry, chunk.subarray(start, end), allZero));
      }
      progress.add(unchanged, 0, 0);
    }
    await window.drain();

    throwIfAborted(signal);
    const createdAt = pythonDatetimeString(record.createdAt);
    const common = {
      version: FORMAT_VERSION,
      backupId: record.id,
      volumeId: record.volumeId,
      backupName: record.displayName,
      backupDescription: record.displayDescription,
      createdAt,
    };
    await store.putObject(container, sha256ObjectName(prefix), encodeSha256File({ ...common, blockSize, sha256s }), { signal });
    await store.putObject(
      container,
      metadataObjectName(prefix),
      encodeBackupMetadata({ ...common, objects, parentId: record.parentId, volumeMeta: input.volumeMeta }),
      { signal },
    );
  } catch (err) {
    await window.settle();
    await removeObjects(store, container, prefix);
    if (signal?.aborted) throw new CancelledError(`backup ${record.id} cancelled; its objects were removed`, { cause: err });
    throw err;
  }

  record.objectCount = objects.length;
  record.volumeBytes = volume.size;
  record.size = Math.max(1, Math.ceil(volume.size / 1024 ** 3));
  record.service = store.serviceName;
  record.status = 'available';
  progress.finish(storedBytes);
  return { record, objects, storedBytes };
}

/** A run of consecutive changed blocks, `[first, end)` as block indexes within one chunk. */
interface BlockRun {
  first: number;
  end: number;
}

/**
 * The runs to store for one chunk. Full backup: the whole chunk. Incremental: maximal runs of
 * blocks whose hash differs from the parent's at the same global index; runs never cross a chunk.
 */
function changedRuns(hashes: string[], firstBlock: number, parent: string[] | null): BlockRun[] {
  if (parent === null) return [{ first: 0, end: hashes.length }];
  const runs: BlockRun[] = [];
  let start = -1;
  for (let i = 0; i <= hashes.length; i++) {
    const changed = i < hashes.length && hashes[i] !== parent[firstBlock + i];
    if (changed && start < 0) start = i;
    if (!changed && start >= 0) {
      runs.push({ first: start, end: i });
      start = -1;
    }
  }
  return runs;
}

/** The stored form of one object: compressed when that makes it smaller, else raw and tagged `none`. */
export interface StoredForm {
  bytes: Uint8Array;
  tag: string;
  md5?: string;
}

async function compressObject(data: Uint8Array, input: BackupJobInput): Promise<StoredForm> {
  if (input.codec.family === 'none') return { bytes: data, tag: 'none' };
  const compressed = await input.codec.compress(data, input.compressionLevel);
  return compressed.length < data.length ? { bytes: compressed, tag: input.compressionTag } : { bytes: data, tag: 'none' };
}

/** Best-effort removal of every object under the prefix: a failed backup must not leave half a backup. */
export async function removeObjects(store: ObjectStore, container: string, prefix: string): Promise<void> {
  let names: string[];
  try {
    names = await store.listObjects(container, prefix);
  } catch {
    return;
  }
  // _metadata first: once it is gone the backup no longer exists, whatever else remains.
  names.sort((a, b) => Number(b === metadataObjectName(prefix)) - Number(a === metadataObjectName(prefix)));
  for (const name of names) await store.deleteObject(container, name).catch(() => undefined);
}

/** Turns byte counts into monotonic progress events. */
class BackupProgress {
  private bytesDone = 0;
  private objectsDone = 0;
  private bytesTransferred = 0;

  constructor(
    private readonly backupId: string,
    private readonly bytesTotal: number,
    private readonly listener: ProgressListener | undefined,
  ) {}

  add(bytes: number, objects: number, transferred: number): void {
    this.bytesDone += bytes;
    this.objectsDone += objects;
    this.bytesTransferred += transferred;
    this.emit(false);
  }

  finish(storedBytes: number): void {
    this.bytesDone = this.bytesTotal;
    this.bytesTransferred = storedBytes;
    this.emit(true);
  }

  private emit(done: boolean): void {
    this.listener?.({
      operation: 'backup',
      backupId: this.backupId,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      objectsDone: this.objectsDone,
      bytesTransferred: this.bytesTransferred,
      done,
    });
  }
}
