import { kindInPrefix } from '../backup-objects.js';
import type { BackupRecord } from '../backup-record.js';
import { metadataObjectName, sha256ObjectName } from '../cinder-names.js';
import { IntegrityError, InvalidBackupError, throwIfAborted } from '../errors.js';
import type { BackupMetadata, ObjectEntry } from '../format/backup-metadata.js';
import type { Sha256File } from '../format/sha256-file.js';
import type { ObjectStore } from '../object-store.js';
import type { ProgressListener } from '../progress.js';
import type { RestoreTarget } from '../restore-target.js';
import { chainVolumeBytes, locationOf, readBackupMetadata, readSha256File, type BackupLocation } from '../stored-backup.js';
import { compressionFamilyOf } from '../codecs/index.js';
import { isAllZero } from './block-hashes.js';
import { SharedArena } from './shared-arena.js';
import type { ObjectCheckTask } from './cpu-tasks.js';
import type { TaskRunner } from './task-runner.js';
import { IntervalSet, type Interval } from './interval-set.js';
import { TaskWindow } from './task-window.js';

/** One backup of a chain, read from the store. */
export interface ChainLayer {
  record: BackupRecord;
  location: BackupLocation;
  metadata: BackupMetadata;
  /** The layer's `_sha256file` (null if it has none), still loading: objects are fetched meanwhile. */
  hashes: Promise<Sha256File | null>;
}

/**
 * Reads and checks every layer of a chain (oldest first), as Cinder's restore does before writing.
 * Layers, and each layer's three reads, go at once: on a cold store they are mostly waiting.
 */
export async function loadChain(store: ObjectStore, chain: BackupRecord[], signal?: AbortSignal): Promise<ChainLayer[]> {
  throwIfAborted(signal);
  return Promise.all(chain.map((record) => loadLayer(store, record, signal)));
}

async function loadLayer(store: ObjectStore, record: BackupRecord, signal?: AbortSignal): Promise<ChainLayer> {
  const location = locationOf(record);
  // Reading and parsing a hash list takes a while (~2.4 MB per GiB of volume): objects are fetched meanwhile.
  const hashes = readSha256File(store, location, { signal });
  hashes.catch(() => undefined);
  const [metadata, listed] = await Promise.all([
    readBackupMetadata(store, location, { signal }),
    store.listObjects(location.container, location.prefix, { signal }),
  ]);
  if (metadata.backupId !== record.id) {
    throw new InvalidBackupError(
      `${metadataObjectName(location.prefix)} belongs to backup ${metadata.backupId}, not to ${record.id}`,
    );
  }
  checkObjectList(listed, location, metadata);
  return { record, location, metadata, hashes };
}

/** Cinder refuses a backup whose stored objects differ from its object list [F]; so do we, saying which. */
function checkObjectList(names: string[], loc: BackupLocation, meta: BackupMetadata): void {
  const own = new Set([metadataObjectName(loc.prefix), sha256ObjectName(loc.prefix)]);
  // A delete's marker on a backup that stands (one at work, or interrupted) is not a stray object.
  const listed = new Set(names.filter((n) => !own.has(n) && kindInPrefix(loc.prefix, n) !== 'removal-marker'));
  const expected = new Set(meta.objects.map((o) => o.name));
  const missing = [...expected].filter((n) => !listed.has(n));
  const extra = [...listed].filter((n) => !expected.has(n));
  if (missing.length === 0 && extra.length === 0) return;
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`missing from the store: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  if (extra.length > 0) parts.push(`not in the object list: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`);
  throw new InvalidBackupError(
    `backup ${meta.backupId}: the objects in ${loc.container} do not match its object list (${parts.join('; ')})`,
  );
}

/** An object to fetch, and the byte ranges of the volume whose final content it holds. */
interface RestoreTask {
  layer: ChainLayer;
  entry: ObjectEntry;
  claims: Interval[];
}

export interface RestoreJobInput {
  store: ObjectStore;
  layers: ChainLayer[];
  /** Null to verify only. */
  target: RestoreTarget | null;
  concurrency: number;
  /** Where decompression and checks run (worker threads by default). */
  runner: TaskRunner;
  signal: AbortSignal | undefined;
  onProgress: ProgressListener | undefined;
}

/**
 * Restores (or verifies) a chain. Each byte is written once, from the newest object that covers
 * it; objects wholly overwritten by later ones are not even fetched. Every fetched object is
 * checked (length, MD5, SHA-256 of its blocks against its backup's `_sha256file`), and the plan
 * checks that the blocks it takes from older layers have the hashes the requested backup lists,
 * so the result is verified against the requested `_sha256file` without reading it back.
 */
export async function runRestoreJob(input: RestoreJobInput): Promise<{ volumeBytes: number }> {
  const { layers, target, signal } = input;
  const requested = layers[layers.length - 1];
  if (!requested) throw new InvalidBackupError('empty backup chain');
  const volumeBytes = chainVolumeBytes(layers.map((l) => l.metadata));
  const tasks = planRestore(layers);
  // The hash lists arrive while the first objects are read; every check on them passes before
  // any object is checked, so nothing is written from an inconsistent chain.
  const hashLists = Promise.all(layers.map((l) => l.hashes)).then((lists) => {
    const byLayer = new Map(layers.map((l, i) => [l, lists[i] ?? null]));
    checkBlockCount(requested, byLayer.get(requested) ?? null, volumeBytes);
    for (const task of tasks) checkAgainstRequested(task, byLayer, requested, volumeBytes);
    return byLayer;
  });
  hashLists.catch(() => undefined);
  const bytesTotal = tasks.reduce((sum, t) => sum + t.claims.reduce((s, c) => s + c.end - c.start, 0), 0);
  let bytesDone = 0;
  let objectsDone = 0;
  let bytesTransferred = 0;
  const emit = (done: boolean): void =>
    input.onProgress?.({
      operation: target ? 'restore' : 'verify',
      backupId: requested.record.id,
      bytesDone,
      bytesTotal,
      objectsDone,
      bytesTransferred,
      done,
    });

  const window = new TaskWindow(Math.max(1, input.concurrency));
  // Stored and decompressed bytes go into lent slots of shared memory: no allocation per
  // object, nothing transferred to the workers, and page-aligned for fast reads.
  // A reduce, not Math.max(...): a TiB volume has more objects than a call takes arguments.
  const largest = Math.min(MAX_POOLED_OBJECT, tasks.reduce((m, t) => Math.max(m, t.entry.length), 0));
  const outputs = SharedArena.orPool(largest, Math.max(1, input.concurrency));
  const reads = SharedArena.orPool(storedCapacity(largest), Math.max(1, input.concurrency));
  for (const task of tasks) {
    throwIfAborted(signal);
    await window.run(async () => {
      // At most one slot of each: the stored bytes, and the object decompressed.
      let readSlot: Uint8Array | undefined;
      let into: Uint8Array | null = null;
      const giveBackRead = (): void => {
        if (readSlot) reads.give(readSlot);
        readSlot = undefined;
      };
      try {
        const allocate = (length: number): Uint8Array => {
          // A retried read asks again: it gets the same slot.
          if (length > reads.capacity) return new Uint8Array(length);
          readSlot ??= reads.take(reads.capacity);
          return readSlot.subarray(0, length);
        };
        const stored = await input.store.getObject(task.layer.location.container, task.entry.name, { signal, allocate });
        const storedBytes = stored.length; // a buffer of its own moves to the worker, leaving `stored` empty
        const hashes = (await hashLists).get(task.layer) ?? null;
        const compressed = isCompressed(task.entry);
        if (compressed && task.entry.length <= outputs.capacity) into = outputs.take(task.entry.length);
        const checked = await input.runner.checkObject(checkTask(task, hashes, stored, into, volumeBytes, target === null));
        // Decompressed, the stored bytes are done with: their slot can take the next read.
        if (compressed) giveBackRead();
        if (target) await writeClaims(target, task, checked.data, checked.allZero);
        bytesTransferred += storedBytes;
      } finally {
        giveBackRead();
        if (into) outputs.give(into);
      }
      bytesDone += task.claims.reduce((s, c) => s + c.end - c.start, 0);
      objectsDone += 1;
      emit(false);
    });
  }
  await window.drain();
  await hashLists; // a chain with nothing to fetch still has its lists checked
  if (target) await target.finish(volumeBytes);
  emit(true);
  return { volumeBytes };
}

/** Newest layer first, later objects of a layer first: each claims what nobody newer covers. */
function planRestore(layers: ChainLayer[]): RestoreTask[] {
  const covered = new IntervalSet();
  const tasks: RestoreTask[] = [];
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l] as ChainLayer;
    for (let i = layer.metadata.objects.length - 1; i >= 0; i--) {
      const entry = layer.metadata.objects[i] as ObjectEntry;
      const claims = covered.claim(entry.offset, entry.offset + entry.length);
      if (claims.length > 0) tasks.push({ layer, entry, claims });
    }
  }
  return tasks.sort((a, b) => (a.claims[0] as Interval).start - (b.claims[0] as Interval).start);
}

function checkBlockCount(requested: ChainLayer, h: Sha256File | null, volumeBytes: number): void {
  if (!h) return;
  const blocks = Math.ceil(volumeBytes / h.blockSize);
  if (h.sha256s.length !== blocks) {
    throw new IntegrityError(
      `${sha256ObjectName(requested.location.prefix)} lists ${h.sha256s.length} blocks but the backup chain covers ${volumeBytes} bytes (${blocks} blocks)`,
      sha256ObjectName(requested.location.prefix),
    );
  }
}

/**
 * A block taken from an older layer must hash, in that layer's list, to what the requested
 * backup lists for it; otherwise the chain is inconsistent (a wrong parent, a damaged list).
 */
function checkAgainstRequested(task: RestoreTask, hashes: Map<ChainLayer, Sha256File | null>, requested: ChainLayer, volumeBytes: number): void {
  const own = hashes.get(task.layer) ?? null;
  const want = hashes.get(requested) ?? null;
  if (task.layer === requested || !own || !want || own.blockSize !== want.blockSize) return;
  const B = want.blockSize;
  for (const c of task.claims) {
    for (let idx = Math.ceil(c.start / B); idx * B < c.end; idx++) {
      if (Math.min((idx + 1) * B, volumeBytes) > c.end) break; // only whole blocks of this claim
      if (!own.sha256s.equalsAt(idx, want.sha256s)) {
        throw new IntegrityError(
          `block ${idx} comes from ${task.entry.name} of backup ${task.layer.record.id}, whose hash list disagrees with that of backup ${requested.record.id}: the chain is inconsistent`,
          task.entry.name,
        );
      }
    }
  }
}

/** The check a worker runs on one fetched object before its bytes are written. */
function checkTask(task: RestoreTask, h: Sha256File | null, stored: Uint8Array, into: Uint8Array | null, volumeBytes: number, verifyOnly: boolean): ObjectCheckTask {
  const { entry } = task;
  const first = h ? Math.floor(entry.offset / h.blockSize) : 0;
  const count = h ? Math.ceil(entry.length / h.blockSize) : 0;
  return {
    name: entry.name,
    stored,
    into,
    compression: entry.compression,
    length: entry.length,
    md5: entry.md5,
    md5Check: verifyOnly ? 'always' : 'if-uncovered',
    offset: entry.offset,
    blockSize: h ? h.blockSize : null,
    blockHashes: h ? h.sha256s.copyOf(first, first + count) : null,
    volumeBytes,
  };
}

/**
 * Zero runs this long, aligned to it, become holes. Writing less is what speeds a restore bound by
 * the disk: the bench's volume has ~305 MiB of zeros in 64 KiB pieces and ~261 MiB in 1 MiB ones,
 * so a restore writes ~6% less (median of 6 interleaved cold restores: ~2% faster).
 */
const ZERO_SKIP_PIECE = 64 * 1024;
/** Objects up to this size decompress into pooled buffers; bigger ones (Cinder's posix default is 1.9 GB) get their own. */
const MAX_POOLED_OBJECT = 64 << 20;

/** Room for a stored object: compressed data that did not shrink can be a little longer than the object. */
function storedCapacity(objectBytes: number): number {
  return objectBytes + Math.ceil(objectBytes / 128) + 64 * 1024;
}

function isCompressed(entry: ObjectEntry): boolean {
  return compressionFamilyOf(entry.compression) !== 'none';
}

/**
 * Writes the claimed ranges; on a fresh target, all-zero pieces are skipped and stay holes.
 * Consecutive pieces that hold data go out in one write.
 */
async function writeClaims(target: RestoreTarget, task: RestoreTask, data: Uint8Array, allZero: boolean): Promise<void> {
  if (allZero && target.fresh) return;
  for (const c of task.claims) {
    const slice = data.subarray(c.start - task.entry.offset, c.end - task.entry.offset);
    if (!target.fresh) {
      await target.writeAt(c.start, slice);
      continue;
    }
    let runStart = -1;
    for (let at = 0; at <= slice.length; at += ZERO_SKIP_PIECE) {
      const piece = slice.subarray(at, Math.min(at + ZERO_SKIP_PIECE, slice.length));
      const hasData = piece.length > 0 && !isAllZero(piece);
      if (hasData && runStart < 0) runStart = at;
      if (!hasData && runStart >= 0) {
        await target.writeAt(c.start + runStart, slice.subarray(runStart, at));
        runStart = -1;
      }
    }
    if (runStart >= 0) await target.writeAt(c.start + runStart, slice.subarray(runStart));
  }
}
