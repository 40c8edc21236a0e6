import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  CancelledError,
  IntegrityError,
  InvalidBackupError,
  UnsupportedError,
  VolbackError,
  type VolbackErrorCode,
} from '../errors.js';
import { ownedBuffers, transferableBuffers } from './transferable.js';
import { checkObject, processChunk, type ChunkResult, type ChunkTask, type ObjectCheckResult, type ObjectCheckTask } from './cpu-tasks.js';

/** Runs the engine's CPU work: on worker threads (all cores) or inline. */
export interface TaskRunner {
  processChunk(task: ChunkTask): Promise<ChunkResult>;
  checkObject(task: ObjectCheckTask): Promise<ObjectCheckResult>;
  /** How many tasks it runs at once; the engine sizes its windows by it. */
  readonly parallelism: number;
  close(): Promise<void>;
}

/** Runs tasks on the calling thread: for hosts that want no threads, and for tests run from sources. */
export class InlineTaskRunner implements TaskRunner {
  readonly parallelism = 1;
  processChunk = processChunk;
  checkObject = checkObject;
  async close(): Promise<void> {}
}

const WORKER_SCRIPT = new URL('./engine-worker.js', import.meta.url);

/**
 * Worker threads by default, one per core; inline when `workers` is 0 or when the compiled
 * worker script is absent (sources run by a test runner).
 */
export function createTaskRunner(workers: number | undefined): TaskRunner {
  const count = workers ?? availableParallelism();
  if (count <= 0 || !existsSync(fileURLToPath(WORKER_SCRIPT))) return new InlineTaskRunner();
  return new WorkerPool(count);
}

type TaskKind = 'processChunk' | 'checkObject';

interface Pending {
  resolve(value: never): void;
  reject(err: unknown): void;
}

interface PoolWorker {
  worker: Worker;
  busy: number;
}

/** A task waiting for a free worker. */
interface Queued {
  id: number;
  kind: TaskKind;
  payload: object;
  transfer: ArrayBuffer[];
}

/** Serialised error from a worker, rebuilt as the same typed error on this side. */
export interface WorkerError {
  code?: VolbackErrorCode;
  message: string;
  objectName?: string;
}

/** Tasks a worker holds at once: one running, one queued so it never waits for the main thread. */
const PER_WORKER = 2;

/**
 * A fixed set of worker threads, each given a task as soon as it has room. Tasks wait here, not
 * in a worker's queue: tasks differ a hundredfold in size (an 8 MiB object, a 64 KiB run), and
 * a task queued behind big ones at a busy worker left the other worker idle. Buffers are shared
 * memory or move by transfer, never by copy. Idle workers are unref'd so they never keep a
 * finished process alive.
 */
export class WorkerPool implements TaskRunner {
  private readonly workers: PoolWorker[] = [];
  private readonly pending = new Map<number, Pending & { owner: PoolWorker | null }>();
  private readonly queue: Queued[] = [];
  private nextId = 1;
  private closed = false;

  /** Starts every worker now: each takes ~0.1 s to load the engine, which the caller's own set-up can hide. */
  constructor(readonly parallelism: number) {
    for (let i = 0; i < parallelism; i++) this.spawn();
  }

  /**
   * `task.data` and `task.scratch` must be shared memory or own their whole buffers (the
   * engine's do): they move, if they must, and come back in the result.
   */
  processChunk(task: ChunkTask): Promise<ChunkResult> {
    return this.run('processChunk', task, ownedBuffers([task.data, task.scratch]));
  }

  /** `task.into`, when given, must own its whole buffer or be shared; `stored` is copied first if need be. */
  checkObject(task: ObjectCheckTask): Promise<ObjectCheckResult> {
    return this.run('checkObject', task, [...transferableBuffers(task, 'stored'), ...ownedBuffers([task.into])]);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) this.pending.get(task.id)?.reject(new CancelledError('the engine worker pool was closed'));
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
    this.workers.length = 0;
  }

  private run<T>(kind: TaskKind, payload: object, transfer: ArrayBuffer[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: never) => void, reject, owner: null });
      this.queue.push({ id, kind, payload, transfer });
      this.dispatch();
    });
  }

  /** Hands queued tasks to free workers, oldest task first. */
  private dispatch(): void {
    // A worker that exited (it crashed) is replaced.
    while (this.workers.length < this.parallelism) this.spawn();
    while (this.queue.length > 0) {
      const owner = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
      if (owner.busy >= PER_WORKER) return;
      const task = this.queue.shift() as Queued;
      const p = this.pending.get(task.id);
      if (!p) continue;
      p.owner = owner;
      if (owner.busy++ === 0) owner.worker.ref();
      owner.worker.postMessage({ id: task.id, kind: task.kind, payload: task.payload }, task.transfer);
    }
  }

  private spawn(): PoolWorker {
    const entry: PoolWorker = { worker: new Worker(WORKER_SCRIPT), busy: 0 };
    entry.worker.on('message', (msg: { id: number; result?: unknown; error?: WorkerError }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (--entry.busy === 0) entry.worker.unref();
      this.dispatch();
      if (msg.error) p.reject(rebuildError(msg.error));
      else p.resolve(msg.result as never);
    });
    entry.worker.on('error', (err) => this.failAll(entry, err));
    entry.worker.on('exit', (code) => {
      if (code !== 0) this.failAll(entry, new Error(`engine worker exited with code ${code}`));
      const i = this.workers.indexOf(entry);
      if (i >= 0) this.workers.splice(i, 1);
      if (!this.closed) this.dispatch();
    });
    // After the listeners: adding a 'message' listener refs the worker again.
    entry.worker.unref();
    this.workers.push(entry);
    return entry;
  }

  private failAll(owner: PoolWorker, err: unknown): void {
    for (const [id, p] of this.pending) {
      if (p.owner !== owner) continue;
      this.pending.delete(id);
      p.reject(err);
    }
    owner.busy = 0;
  }
}

export function serializeError(err: unknown): WorkerError {
  if (err instanceof VolbackError) {
    return { code: err.code, message: err.message, ...(err instanceof IntegrityError && err.objectName ? { objectName: err.objectName } : {}) };
  }
  return { message: (err as Error)?.stack ?? String(err) };
}

function rebuildError(e: WorkerError): Error {
  switch (e.code) {
    case 'E_INTEGRITY':
      return new IntegrityError(e.message, e.objectName);
    case 'E_UNSUPPORTED':
      return new UnsupportedError(e.message);
    case 'E_INVALID_BACKUP':
      return new InvalidBackupError(e.message);
    case 'E_CANCELLED':
      return new CancelledError(e.message);
    case undefined:
      return new Error(`engine worker failed: ${e.message}`);
    default:
      return new VolbackError(e.code, e.message);
  }
}
