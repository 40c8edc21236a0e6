import { metadataObjectName, sha256ObjectName } from '../../cinder-names.js';
import { codecFor } from '../../codecs/index.js';
import { IntegrityError, UnsupportedError } from '../../errors.js';
import type { ObjectEntry } from '../../format/backup-metadata.js';
import { SHA256_DIGEST_BYTES, type Sha256Digests } from '../../format/sha256-digests.js';
import type { ChainLayer } from './chain-loader.js';
import { IntervalSet, type Interval } from './interval-set.js';

/** An object to fetch, the byte ranges of the volume whose final content it holds, and how to check it. */
export interface RestoreTask {
  layer: ChainLayer;
  entry: ObjectEntry;
  /** Whole hash blocks (the last one may end the volume), in order. */
  claims: Interval[];
}

/** What a restore writes: every byte of `[0, volumeBytes)` once, from the task that claims it. */
export interface RestorePlan {
  volumeBytes: number;
  /** The requested backup's hash block size: every layer's list uses it. */
  blockSize: number;
  /** The requested backup's `_sha256file` digests: what every restored block must hash to. */
  requested: Sha256Digests;
  tasks: RestoreTask[];
}

/**
 * Checks a loaded chain's layout and plans its restore, before any byte is fetched or written.
 * Nothing of `_metadata` is trusted as it comes: offsets, lengths, order and overlap are checked
 * against the hash block size, the full backup must tile the volume from 0, every list must have
 * one hash per block of it, and the plan must claim each byte exactly once. Each object's blocks
 * are then checked against the requested backup's list (directly, or through its own layer's list
 * once that is shown to agree), so a restore is verified against what was asked for.
 * Faults are `IntegrityError`s naming the stored document at fault.
 */
export function planRestore(layers: readonly ChainLayer[]): RestorePlan {
  const requested = layers[layers.length - 1];
  const full = layers[0];
  if (!requested || !full) throw new IntegrityError('empty backup chain');
  const requestedList = requested.hashes;
  const listName = sha256ObjectName(requested.location.prefix);
  if (!requestedList) {
    throw new IntegrityError(`${listName} is missing: without it no block of backup ${requested.record.id} can be verified`, listName);
  }
  const B = requestedList.blockSize;
  const volumeBytes = fullBackupSize(full);
  const blocks = Math.ceil(volumeBytes / B);
  // The lists first: a damaged block size or count would otherwise show as misplaced objects.
  for (const layer of layers) {
    const h = layer.hashes;
    if (!h) continue;
    const name = sha256ObjectName(layer.location.prefix);
    if (h.blockSize !== B) {
      throw new IntegrityError(`${name} has hash blocks of ${h.blockSize} bytes, ${listName} of ${B}: the chain is inconsistent`, name);
    }
    if (h.sha256s.length !== blocks) {
      throw new IntegrityError(
        `${name} lists ${h.sha256s.length} blocks but the volume has ${volumeBytes} bytes (${blocks} blocks) as full backup ${full.record.id} lays it out`,
        name,
      );
    }
  }
  for (const layer of layers) checkObjects(layer, B, volumeBytes, full.record.id, listName);
  const tasks = claimNewestFirst(layers);
  const claimed = tasks.reduce((sum, t) => sum + t.claims.reduce((s, c) => s + c.end - c.start, 0), 0);
  if (claimed !== volumeBytes) {
    // The full backup's tiling makes this impossible; it is the rule every restore rests on, so it is checked.
    throw new IntegrityError(
      `the chain of backup ${requested.record.id} accounts for ${claimed} of ${volumeBytes} bytes`,
      metadataObjectName(full.location.prefix),
    );
  }
  for (const task of tasks) checkAgainstRequested(task, requested, B, volumeBytes);
  return { volumeBytes, blockSize: B, requested: requestedList.sha256s, tasks };
}

/** A full backup's objects are the volume's consecutive slices from 0 (Cinder's chunks): their end is the volume size. */
function fullBackupSize(full: ChainLayer): number {
  const name = metadataObjectName(full.location.prefix);
  let end = 0;
  for (const o of full.metadata.objects) {
    if (o.offset !== end) {
      throw new IntegrityError(`${name}: ${o.name} starts at ${o.offset}, where the full backup's previous object ends at ${end}`, name);
    }
    end += o.length;
    if (!Number.isSafeInteger(end)) throw new IntegrityError(`${name}: its objects reach past any volume size`, name);
  }
  return end;
}

/**
 * Each object of a layer: a known codec, not empty, on hash-block boundaries (only the volume's
 * end may cut a block), inside the volume, after the one before it. Cinder writes nothing else.
 */
function checkObjects(layer: ChainLayer, B: number, volumeBytes: number, fullId: string, listName: string): void {
  const name = metadataObjectName(layer.location.prefix);
  // The volume's size is what the full backup lays out: a fault here may be in either document.
  const volume = `the volume's ${volumeBytes} bytes (as full backup ${fullId} lays it out)`;
  let previousEnd = 0;
  for (const o of layer.metadata.objects) {
    const end = o.offset + o.length;
    const fault =
      o.length === 0
        ? 'is empty'
        : o.offset % B !== 0
          ? `starts at ${o.offset}, not on a boundary of the ${B}-byte hash blocks ${listName} gives`
          : end > volumeBytes
            ? `ends at ${end}, past ${volume}`
            : o.length % B !== 0 && end !== volumeBytes
              ? `is ${o.length} bytes long, not whole ${B}-byte hash blocks (as ${listName} gives), and does not end ${volume}`
              : o.offset < previousEnd
                ? `starts at ${o.offset}, before the object listed before it ends (${previousEnd})`
                : null;
    if (fault) throw new IntegrityError(`${name}: ${o.name} ${fault}`, name);
    try {
      codecFor(o.compression); // an unknown tag fails now, before anything is written
    } catch (err) {
      throw new UnsupportedError(`${name}: ${o.name}: ${(err as Error).message}`, { cause: err });
    }
    previousEnd = end;
  }
}

/** Newest layer first, later objects of a layer first: each claims what nobody newer covers. */
function claimNewestFirst(layers: readonly ChainLayer[]): RestoreTask[] {
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

/**
 * A block taken from an older layer must hash, in that layer's list, to what the requested
 * backup lists for it; otherwise the chain is inconsistent (a wrong parent, a damaged list).
 * A layer without a list has its claimed blocks checked against the requested list directly.
 */
function checkAgainstRequested(task: RestoreTask, requested: ChainLayer, B: number, volumeBytes: number): void {
  const own = task.layer.hashes;
  const want = requested.hashes;
  if (task.layer === requested || !own || !want) return;
  for (const c of task.claims) {
    for (let idx = c.start / B; idx * B < c.end && idx * B < volumeBytes; idx++) {
      if (!own.sha256s.equalsAt(idx, want.sha256s)) {
        throw new IntegrityError(
          `block ${idx} comes from ${task.entry.name} of backup ${task.layer.record.id}, whose hash list disagrees with that of backup ${requested.record.id}: the chain is inconsistent`,
          task.entry.name,
        );
      }
    }
  }
}

/**
 * The digests an object's blocks must have, packed, and which blocks to check (null: all). With
 * its layer's own list, every block (that list agrees with the requested one where it counts);
 * without one, only the claimed blocks, against the requested list: the rest is overwritten.
 */
export function expectedDigests(task: RestoreTask, plan: RestorePlan): { digests: Uint8Array; checked: Uint8Array | null } {
  const B = plan.blockSize;
  const first = task.entry.offset / B;
  const count = Math.ceil(task.entry.length / B);
  const own = task.layer.hashes;
  if (own) return { digests: own.sha256s.copyOf(first, first + count), checked: null };
  const digests = new Uint8Array(count * SHA256_DIGEST_BYTES);
  const checked = new Uint8Array(count);
  const all = plan.requested.bytes;
  for (const c of task.claims) {
    for (let idx = c.start / B; idx * B < c.end; idx++) {
      const k = idx - first;
      digests.set(all.subarray(idx * SHA256_DIGEST_BYTES, (idx + 1) * SHA256_DIGEST_BYTES), k * SHA256_DIGEST_BYTES);
      checked[k] = 1;
    }
  }
  return { digests, checked };
}
