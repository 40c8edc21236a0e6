import { finishedBackupNames, namesInPrefix } from '../../backup-objects.js';
import type { BackupRecord } from '../../backup-record.js';
import { checkParentUsable, checkWrittenBackup, type LocatedBackup } from '../../backup-standing.js';
import { dataObjectName, metadataObjectName, sha256ObjectName } from '../../cinder-names.js';
import type { Codec } from '../../codecs/codec.js';
import { CancelledError, InvalidBackupError, throwIfAborted } from '../../errors.js';
import { encodeBackupMetadata, FORMAT_VERSION, type ObjectEntry } from '../../format/backup-metadata.js';
import { pythonDatetimeString } from '../../format/cinder-datetime.js';
import { layoutSha256File } from '../../format/sha256-file.js';
import type { Sha256Digests } from '../../format/sha256-digests.js';
import type { ObjectStore } from '../../object-store.js';
import type { ProgressListener } from '../../progress.js';
import type { VolumeSource } from '../../volume-source.js';
import { sizeInGiB } from '../../stored-backup.js';
import { InOrder } from '../flow/in-order.js';
import { mapLimited } from '../flow/map-limited.js';
import { Md5Batches } from '../hashing/md5-batches.js';
import type { Md5Lanes } from '../hashing/md5-lanes/index.js';
import { loadMd5Lanes } from '../hashing/md5-lanes-loader.js';
import { SharedArena, type BufferLender } from '../memory/shared-arena.js';
import { Semaphore } from '../flow/semaphore.js';
import type { ChunkResult } from '../workers/cpu-tasks.js';
import type { TaskRunner } from '../workers/task-runner.js';
import { TaskWindow } from '../flow/task-window.js';
import type { ZeroObjectCache } from './zero-object-cache.js';

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
  parentHashes: Sha256Digests | null;
  /** Where the parent is, for an incremental: it must still be there once `_metadata` is written. */
  parent: LocatedBackup | null;
  volumeMeta: string | null;
  zeroObjects: ZeroObjectCache;
  /** Where hashing, MD5 and compression run (worker threads by default). */
  runner: TaskRunner;
  /** Whether a full backup may hash MD5 in WebAssembly lanes (where they can run); else node:crypto on the workers. */
  md5Lanes: boolean;
  signal: AbortSignal | undefined;
  onProgress: ProgressListener | undefined;
}

export interface BackupJobOutput {
  record: BackupRecord;
  objects: ObjectEntry[];
  storedBytes: number;
  zeroBytes: number;
  unchangedBytes: number;
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

  if (input.parent) await checkParentUsable(store, input.parent, { signal });
  await store.ensureContainer(container, { signal });
  const existing = namesInPrefix(prefix, await store.listObjects(container, prefix, { signal }));
  if (existing.length > 0) {
    throw new InvalidBackupError(
      `objects already exist under ${container}/${prefix} (${existing.length}, e.g. ${existing[0]}): backup ${record.id} was already written; use a new backup id`,
    );
  }

  const objects: ObjectEntry[] = [];
  const createdAt = pythonDatetimeString(record.createdAt);
  const common = {
    version: FORMAT_VERSION,
    backupId: record.id,
    volumeId: record.volumeId,
    backupName: record.displayName,
    backupDescription: record.displayDescription,
    createdAt,
  };
  // _sha256file is laid out now, in shared memory, and the workers write each block's hash into
  // it: hashes held as strings, then built into JSON at the end, made a 4 GiB backup's peak RSS
  // grow ~40 MiB past a 1 GiB one's.
  const blockCount = Math.ceil(volume.size / blockSize);
  const hashList = layoutSha256File(common, blockSize, blockCount, (n) => new Uint8Array(new SharedArrayBuffer(n)));
  // Chunks being worked on: one per worker, one read ahead, one being stored; each slot adds
  // ~16 MiB of RSS. Buffers are lent and taken back, so memory stays flat whatever the volume size.
  const inFlight = input.runner.parallelism + 2;
  const chunkCount = Math.ceil(volume.size / objectSize);
  const md5 = await md5PlanFor(input, chunkCount, inFlight);
  const window = new TaskWindow(md5 ? md5.chunkWindow : inFlight);
  // Hashing, compressing and storing hold a scratch buffer each: at most inFlight at once.
  const cpu = new Semaphore(inFlight);
  const inOrder = new InOrder();
  const onePerChunk = input.parentHashes === null;
  const progress = new BackupProgress(record.id, volume.size, input.onProgress);
  const chunks = md5 ? md5.chunks : SharedArena.orPool(objectSize, inFlight);
  const scratches = SharedArena.orPool(objectSize, inFlight);
  let storedBytes = 0;

  const backupChunk = async (index: number, offset: number, length: number): Promise<void> => {
    const chunk = chunks.take(length);
    // Reads run inside the window too, so several are in flight and overlap the hashing.
    try {
      await volume.readAt(offset, length, chunk);
    } catch (err) {
      md5?.batches.skip();
      throw err;
    }
    // The whole chunk is the object of a full backup: its MD5 runs in lanes beside the workers,
    // a batch at a time, before the chunk takes a worker and a scratch buffer.
    const chunkMd5 = md5 ? await md5.batches.digest(chunk) : undefined;
    await cpu.use(() => storeChunk(index, offset, length, chunk, chunkMd5));
  };

  const storeChunk = async (
    index: number,
    offset: number,
    length: number,
    chunk: Uint8Array,
    chunkMd5: string | undefined,
  ): Promise<void> => {
    const firstBlock = Math.floor(offset / blockSize);
    const blocks = Math.ceil(length / blockSize);
    let entries: { entry: ObjectEntry; bytes: Uint8Array | null }[] = [];
    let result: ChunkResult;
    try {
      result = await input.runner.processChunk({
        data: chunk,
        scratch: scratches.take(length),
        blockSize,
        parentHashes: input.parentHashes ? input.parentHashes.copyOf(firstBlock, firstBlock + blocks) : null,
        codecTag: input.codec.family,
        compressionTag: input.compressionTag,
        level: input.compressionLevel,
        md5ByCaller: chunkMd5 !== undefined,
        hashList: { layout: hashList, firstBlock },
      });
      for (const o of result.objects) o.md5 ??= chunkMd5 as string;
      // Object numbers follow volume offsets. A full backup makes one object per chunk, so chunk
      // i names object i + 1 at once; an incremental's chunks take turns, in order.
      if (!onePerChunk) await inOrder.turn(index);
      else if (result.objects.length !== 1)
        throw new Error(`engine: chunk ${index} of a full backup made ${result.objects.length} objects`);
      entries = result.objects.map((o) => {
        const entry: ObjectEntry = {
          name: dataObjectName(prefix, onePerChunk ? index + 1 : objects.length + 1),
          offset: offset + o.start,
          length: o.end - o.start,
          md5: o.md5 as string,
          compression: o.tag ?? '',
        };
        if (onePerChunk) objects[index] = entry;
        else objects.push(entry);
        return { entry, bytes: o.allZero ? null : (o.stored ?? result.data.subarray(o.start, o.end)) };
      });
    } finally {
      if (!onePerChunk) inOrder.release(index);
    }
    // A buffer no object is stored from goes back to its pool now, for the next chunk to use.
    const inUse = new Set(entries.map((e) => e.bytes?.buffer));
    const pooled = [
      { pool: chunks, view: result.data },
      { pool: scratches, view: result.scratch },
    ];
    for (const { pool, view } of pooled) if (!inUse.has(view.buffer)) pool.give(view);
    // What no object covers is made of blocks that match the parent's (an incremental's).
    progress.unchanged(length - entries.reduce((n, e) => n + e.entry.length, 0));
    await Promise.all(
      entries.map(async ({ entry, bytes }) => {
        let stored = bytes;
        const zero = stored === null;
        if (stored === null) {
          const zero = await input.zeroObjects.get(entry.length, input.codec, input.compressionLevel, input.compressionTag);
          stored = zero.bytes;
          entry.compression = zero.tag;
        }
        // Made durable together before _metadata: an fsync per object held a chunk's slot for
        // its whole wait (~0.4 s of a 1 GiB full backup here).
        await store.putObject(container, entry.name, stored, { signal, flushLater: true });
        storedBytes += stored.length;
        progress.stored(entry.length, stored.length, zero);
      }),
    );
    for (const { pool, view } of pooled) if (inUse.has(view.buffer)) pool.give(view);
  };

  try {
    for (let offset = 0, index = 0; offset < volume.size; offset += objectSize, index++) {
      throwIfAborted(signal);
      const i = index;
      const at = offset;
      await window.run(() => backupChunk(i, at, Math.min(objectSize, volume.size - at)));
    }
    await window.drain();

    throwIfAborted(signal);
    await store.putObject(container, sha256ObjectName(prefix), hashList.bytes, { signal, flushLater: true });
    // Everything so far becomes durable together; only then does _metadata make it a backup.
    await store.flush?.(container, { signal });
    await store.putObject(
      container,
      metadataObjectName(prefix),
      encodeBackupMetadata({ ...common, objects, parentId: record.parentId, volumeMeta: input.volumeMeta }),
      { signal },
    );
    // A delete of the parent or a prune of this backup may have run meanwhile: the backup only
    // stands if it still finds all it is made of (else it is removed below, _metadata first).
    const names = finishedBackupNames(
      prefix,
      objects.map((o) => o.name),
    );
    await checkWrittenBackup(store, { id: record.id, container, prefix, names }, input.parent, { signal });
  } catch (err) {
    md5?.batches.flush();
    await window.settle();
    await removeObjects(store, container, prefix);
    if (signal?.aborted) throw new CancelledError(`backup ${record.id} cancelled; its objects were removed`, { cause: err });
    throw err;
  }

  record.objectCount = objects.length;
  record.volumeBytes = volume.size;
  record.size = sizeInGiB(volume.size);
  record.service = store.serviceName;
  record.status = 'available';
  progress.finish(storedBytes);
  return { record, objects, storedBytes, ...progress.skipped() };
}

/** Chunks whose MD5 the lanes compute at once: a chunk waits for 3 more to be read. */
const MD5_BATCH = 4;
/** Chunks read beyond those being worked on, so the next batch fills while one is hashed. */
const MD5_READ_AHEAD = 2;

interface Md5Plan {
  batches: Md5Batches;
  /** Chunk buffers, in the memory the lanes read, with the lanes' scratch area at its start. */
  chunks: BufferLender;
  /** Chunks in flight: those waiting for their batch as well as those being worked on. */
  chunkWindow: number;
}

/**
 * MD5 lanes for a full backup, where each chunk is one object. MD5 was a third of a full
 * backup's CPU; four chunks in lanes take about a third of what node:crypto takes for them one
 * by one (1 GiB full backup here: 3.45 s -> 2.9 s, RSS 160 -> 178 MiB). Null where they do not
 * apply: incrementals (objects are runs of changed blocks), single chunks, huge objects; and
 * where they are switched off or cannot run (no WebAssembly): the workers then hash with node:crypto.
 */
async function md5PlanFor(input: BackupJobInput, chunkCount: number, inFlight: number): Promise<Md5Plan | null> {
  if (!input.md5Lanes || input.parentHashes !== null || chunkCount < 2) return null;
  const lanes = await loadMd5Lanes();
  if (!lanes) return null;
  // At least a batch in flight, or the last batch could never fill.
  const chunkWindow = Math.max(MD5_BATCH, inFlight + MD5_READ_AHEAD);
  const chunks = SharedArena.orPool(input.objectSize, chunkWindow, lanes.MD5_LANES_SCRATCH_BYTES);
  if (!(chunks instanceof SharedArena)) return null;
  let md5: Md5Lanes;
  try {
    md5 = new lanes.Md5Lanes(chunks.memory, 0);
  } catch {
    // The kernels compiled but do not instantiate on this memory: node:crypto gives the same digests.
    return null;
  }
  return { batches: new Md5Batches(md5, chunkCount, MD5_BATCH), chunks, chunkWindow };
}

/**
 * Best-effort removal of every object of the backup at the prefix (not those of a backup whose
 * prefix merely starts with it): a failed backup must not leave half a backup.
 */
export async function removeObjects(store: ObjectStore, container: string, prefix: string): Promise<void> {
  let names: string[];
  try {
    names = namesInPrefix(prefix, await store.listObjects(container, prefix));
  } catch {
    return;
  }
  // _metadata first: once it is gone the backup no longer exists, whatever else remains. The
  // rest go as many at once as the store takes.
  const metadata = metadataObjectName(prefix);
  if (names.includes(metadata)) await store.deleteObject(container, metadata).catch(() => undefined);
  const rest = names.filter((n) => n !== metadata);
  await mapLimited(rest, store.capabilities.maxConcurrency, (name) => store.deleteObject(container, name).catch(() => undefined));
}

/** Turns byte counts into monotonic progress events. */
class BackupProgress {
  private bytesDone = 0;
  private objectsDone = 0;
  private bytesTransferred = 0;
  private zeroBytes = 0;
  private unchangedBytes = 0;

  constructor(
    private readonly backupId: string,
    private readonly bytesTotal: number,
    private readonly listener: ProgressListener | undefined,
  ) {}

  /** An object of `bytes` volume bytes was stored as `transferred` bytes; `zero` when it was the shared zero object. */
  stored(bytes: number, transferred: number, zero: boolean): void {
    this.bytesDone += bytes;
    this.objectsDone += 1;
    this.bytesTransferred += transferred;
    if (zero) this.zeroBytes += bytes;
    this.emit(false);
  }

  /** Bytes of a chunk left out of every object, as they match the parent. */
  unchanged(bytes: number): void {
    this.bytesDone += bytes;
    this.unchangedBytes += bytes;
    this.emit(false);
  }

  /** What the backup did not have to compress or store. */
  skipped(): { zeroBytes: number; unchangedBytes: number } {
    return { zeroBytes: this.zeroBytes, unchangedBytes: this.unchangedBytes };
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
      zeroBytes: this.zeroBytes,
      unchangedBytes: this.unchangedBytes,
      done,
    });
  }
}
