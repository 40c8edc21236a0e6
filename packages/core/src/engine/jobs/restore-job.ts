import { IntegrityError, throwIfAborted, VolbackError } from '../../errors.js';
import type { ObjectEntry } from '../../format/backup-metadata.js';
import type { ObjectStore } from '../../object-store.js';
import type { ProgressListener } from '../../progress.js';
import type { RestoreTarget } from '../../restore-target.js';
import { compressionFamilyOf, maxStoredLength } from '../../codecs/index.js';
import { isAllZero } from '../hashing/block-hashes.js';
import type { ChainLayer } from './chain-loader.js';
import type { ObjectCheckResult, ObjectCheckTask } from '../workers/cpu-tasks.js';
import { expectedDigests, planRestore, type RestorePlan, type RestoreTask } from './restore-plan.js';
import { SharedArena } from '../memory/shared-arena.js';
import type { TaskRunner } from '../workers/task-runner.js';
import { TaskWindow } from '../flow/task-window.js';

export type { ChainLayer } from './chain-loader.js';
export { loadChain } from './chain-loader.js';

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
 * Restores (or verifies) a chain. The plan (restore-plan.ts) checks the chain's layout first, so
 * nothing is fetched or written from a chain whose documents disagree. Each byte is then written
 * once, from the newest object that covers it; objects wholly overwritten by later ones are not
 * even fetched. Every fetched object is checked before its bytes are written: its length, and the
 * SHA-256 of each of its blocks against the requested backup's `_sha256file` (through its own
 * layer's list where that agrees), MD5 where no block hash covers it, and always under verify.
 */
export async function runRestoreJob(input: RestoreJobInput): Promise<{ volumeBytes: number; zeroBytes: number }> {
  const { target, signal } = input;
  throwIfAborted(signal);
  const plan = planRestore(input.layers);
  const { tasks, volumeBytes } = plan;
  const requested = input.layers[input.layers.length - 1] as ChainLayer;
  const bytesTotal = volumeBytes;
  let bytesDone = 0;
  let objectsDone = 0;
  let bytesTransferred = 0;
  let zeroBytes = 0;
  const emit = (done: boolean): void =>
    input.onProgress?.({
      operation: target ? 'restore' : 'verify',
      backupId: requested.record.id,
      bytesDone,
      bytesTotal,
      objectsDone,
      bytesTransferred,
      zeroBytes,
      unchangedBytes: 0,
      done,
    });

  const window = new TaskWindow(Math.max(1, input.concurrency));
  // Stored and decompressed bytes go into lent slots of shared memory: no allocation per
  // object, nothing transferred to the workers, and page-aligned for fast reads.
  // A reduce, not Math.max(...): a TiB volume has more objects than a call takes arguments.
  const largest = Math.min(
    MAX_POOLED_OBJECT,
    tasks.reduce((m, t) => Math.max(m, t.entry.length), 0),
  );
  const outputs = SharedArena.orPool(largest, Math.max(1, input.concurrency));
  const reads = SharedArena.orPool(maxStoredLength(largest), Math.max(1, input.concurrency));
  try {
    for (const task of tasks) {
      throwIfAborted(signal);
      await window.run(async () => {
        // At most one slot of each: the stored bytes, and the object decompressed.
        let readSlot: Uint8Array | undefined;
        let into: Uint8Array | null = null;
        const giveBackRead = (): void => {
          if (readSlot && !isDetached(readSlot)) reads.give(readSlot);
          readSlot = undefined;
        };
        try {
          const limit = storedLimit(task.entry);
          const allocate = (length: number): Uint8Array => {
            if (length > limit) throw tooLarge(task, length);
            // A retried read asks again: it gets the same slot.
            if (length > reads.capacity) return new Uint8Array(length);
            readSlot ??= reads.take(reads.capacity);
            return readSlot.subarray(0, length);
          };
          const compressed = isCompressed(task.entry);
          if (compressed && task.entry.length <= outputs.capacity) into = outputs.take(task.entry.length);
          const fetchAndCheck = async (): Promise<{ checked: ObjectCheckResult; storedBytes: number }> => {
            const stored = await input.store.getObject(task.layer.location.container, task.entry.name, { signal, allocate });
            const storedBytes = stored.length; // a buffer of its own moves to the worker, leaving `stored` empty
            const checked = await input.runner.checkObject(checkTask(task, plan, stored, into, target === null));
            return { checked, storedBytes };
          };
          let outcome: { checked: ObjectCheckResult; storedBytes: number };
          try {
            outcome = await fetchAndCheck();
          } catch (err) {
            // A read damaged on its way (a flipped bit, a cut body the store did not notice) reads
            // right the second time; a damaged object fails again, and only then is it reported.
            if (!(err instanceof IntegrityError) || signal?.aborted) throw err;
            // A worker that failed keeps what was sent to it: plain buffers come back detached.
            if (readSlot && isDetached(readSlot)) readSlot = undefined;
            if (into && isDetached(into)) into = outputs.take(task.entry.length);
            outcome = await fetchAndCheck().catch((again: unknown) => {
              throw again instanceof VolbackError ? again : err;
            });
          }
          // Decompressed, the stored bytes are done with: their slot can take the next read.
          if (compressed) giveBackRead();
          if (target) {
            // Not `zeroBytes += await …`: that reads the count before the await, losing other tasks' adds.
            const holes = await writeClaims(target, task, outcome.checked.data, outcome.checked.allZero);
            zeroBytes += holes;
          }
          bytesTransferred += outcome.storedBytes;
        } finally {
          giveBackRead();
          if (into && !isDetached(into)) outputs.give(into);
        }
        bytesDone += task.claims.reduce((s, c) => s + c.end - c.start, 0);
        objectsDone += 1;
        emit(false);
      });
    }
    await window.drain();
  } catch (err) {
    // No task may still write to the target, or use a worker, once the caller learns of the failure.
    await window.settle();
    throw err;
  }
  if (target) await target.finish(volumeBytes);
  emit(true);
  return { volumeBytes, zeroBytes };
}

/** The check a worker runs on one fetched object before its bytes are written. */
function checkTask(
  task: RestoreTask,
  plan: RestorePlan,
  stored: Uint8Array,
  into: Uint8Array | null,
  verifyOnly: boolean,
): ObjectCheckTask {
  const { entry } = task;
  const { digests, checked } = expectedDigests(task, plan);
  return {
    name: entry.name,
    stored,
    into,
    compression: entry.compression,
    length: entry.length,
    md5: entry.md5,
    md5Check: verifyOnly ? 'always' : 'if-uncovered',
    offset: entry.offset,
    blockSize: plan.blockSize,
    blockHashes: digests,
    blockChecked: checked,
    volumeBytes: plan.volumeBytes,
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

/**
 * The most stored bytes an object of `entry.length` can take: exactly its length when raw; when
 * compressed, what no codec's worst case exceeds. Anything longer is damage, refused before it is
 * read into memory (a stray multi-GB file in place of an object must not exhaust it); a store that
 * reads into its own buffer has it refused by the check on the worker.
 */
function storedLimit(entry: ObjectEntry): number {
  return isCompressed(entry) ? maxStoredLength(entry.length) : entry.length;
}

function tooLarge(task: RestoreTask, length: number): IntegrityError {
  const what = isCompressed(task.entry) ? `more than any ${task.entry.compression} encoding of` : 'not the length of its';
  return new IntegrityError(`${task.entry.name}: stored as ${length} bytes, ${what} ${task.entry.length} bytes`, task.entry.name);
}

/** A plain buffer sent to a worker that did not send it back. */
function isDetached(view: Uint8Array): boolean {
  return view.buffer.byteLength === 0 && view.byteLength === 0;
}

function isCompressed(entry: ObjectEntry): boolean {
  return compressionFamilyOf(entry.compression) !== 'none';
}

/**
 * Writes the claimed ranges; on a fresh target, all-zero pieces are skipped and stay holes.
 * Consecutive pieces that hold data go out in one write. Returns the bytes left as holes.
 */
async function writeClaims(target: RestoreTarget, task: RestoreTask, data: Uint8Array, allZero: boolean): Promise<number> {
  if (allZero && target.fresh) return task.claims.reduce((s, c) => s + c.end - c.start, 0);
  let holes = 0;
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
      if (!hasData) holes += piece.length;
      if (hasData && runStart < 0) runStart = at;
      if (!hasData && runStart >= 0) {
        await target.writeAt(c.start + runStart, slice.subarray(runStart, at));
        runStart = -1;
      }
    }
    if (runStart >= 0) await target.writeAt(c.start + runStart, slice.subarray(runStart));
  }
  return holes;
}
