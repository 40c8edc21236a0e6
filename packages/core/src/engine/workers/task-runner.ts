import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CancelledError, IntegrityError, InvalidBackupError, UnsupportedError, VolbackError, type VolbackErrorCode } from '../../errors.js';
import { ownedBuffers, transferableBuffers } from './transferable.js';
import { checkObject, processChunk, type ChunkResult, type ChunkTask, type ObjectCheckResult, type ObjectCheckTask } from './cpu-tasks.js';

/** Runs the engine's CPU work: on worker threads (all cores) or inline. */
export interface TaskRunner {
  processChunk(task: ChunkTask): Promise<ChunkResult>;
  checkObject(task: ObjectCheckTask): Promise<ObjectCheckResult>;
  /** How many tasks it runs at once; the engine sizes its windows by it. */
  readonly parallelism: number;
  /** Settles every task given (tasks not started are cancelled), then frees the threads. */
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

/** What a worker thread is started with. */
export interface EngineWorkerData {
  /** Set to 1 when the pool closes: the worker then cancels each task it has not started. */
  closing: Int32Array;
}

/**
 * A fixed set of worker threads, each given a task as soon as it has room. Tasks wait here, not
 * in a worker's queue: tasks differ a hundredfold in size (an 8 MiB object, a 64 KiB run), and
 * a task queued behind big ones at a busy worker left the other worker idle. Buffers are shared
 * memory or move by transfer, never by copy. Idle workers are unref'd so they never keep a
 * finished process alive.
 *
 * Every task's promise settles: with its result, its own typed error, E_CANCELLED when the pool
 * closed before it ran, or an error saying that its worker died.
 */
export class WorkerPool implements TaskRunner {
  private readonly workers: PoolWorker[] = [];
  private readonly pending = new Map<number, Pending & { owner: PoolWorker | null }>();
  private readonly queue: Queued[] = [];
  /** The workers' view of whether the pool is closing (see EngineWorkerData). */
  private readonly closing = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 1;
  private closed: Promise<void> | null = null;
  /** Called when the last pending task settles, once the pool is closing. */
  private onIdle: (() => void) | null = null;

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

  /**
   * Cancels the tasks not yet started (E_CANCELLED), lets those already running finish, then
   * stops the threads. A thread is never stopped in the middle of a task: one stopped inside
   * node:zlib aborts the whole process ("close before init").
   */
  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  private async shutDown(): Promise<void> {
    Atomics.store(this.closing, 0, 1);
    for (const task of this.queue.splice(0)) this.settle(task.id, { error: new CancelledError('the engine worker pool was closed') });
    if (this.pending.size > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
    // terminate() refs each worker until its exit, and nothing unrefs it again once closing.
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
    this.workers.length = 0;
  }

  private run<T>(kind: TaskKind, payload: object, transfer: ArrayBuffer[]): Promise<T> {
    if (this.closed) return Promise.reject(new CancelledError('the engine worker pool is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: never) => void, reject, owner: null });
      this.queue.push({ id, kind, payload, transfer });
      this.dispatch();
    });
  }

  /** Settles one pending task, once. */
  private settle(id: number, outcome: { result: unknown } | { error: unknown }): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if ('error' in outcome) p.reject(outcome.error);
    else p.resolve(outcome.result as never);
    if (this.pending.size === 0) this.onIdle?.();
  }

  /** Hands queued tasks to free workers, oldest task first. */
  private dispatch(): void {
    if (this.closed) return;
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
    const workerData: EngineWorkerData = { closing: this.closing };
    const entry: PoolWorker = { worker: new Worker(WORKER_SCRIPT, { workerData }), busy: 0 };
    entry.worker.on('message', (msg: { id: number; result?: unknown; error?: WorkerError }) => {
      if (!this.pending.has(msg.id)) return;
      // Unref'd while the pool waits to stop it, the thread could let the process end first.
      if (--entry.busy === 0 && !this.closed) entry.worker.unref();
      this.dispatch();
      this.settle(msg.id, msg.error ? { error: rebuildError(msg.error) } : { result: msg.result });
    });
    entry.worker.on('error', (err) => this.failAll(entry, err));
    entry.worker.on('exit', (code) => {
      // Whatever the code: a thread stopped while it started up exits with 0, holding its tasks.
      this.failAll(entry, new Error(`engine worker exited with code ${code} before finishing its task`));
      const i = this.workers.indexOf(entry);
      if (i >= 0) this.workers.splice(i, 1);
      this.dispatch();
    });
    // After the listeners: adding a 'message' listener refs the worker again.
    entry.worker.unref();
    this.workers.push(entry);
    return entry;
  }

  private failAll(owner: PoolWorker, err: unknown): void {
    owner.busy = 0;
    for (const [id, p] of [...this.pending]) if (p.owner === owner) this.settle(id, { error: err });
  }
}

export function serializeError(err: unknown): WorkerError {
  if (err instanceof VolbackError) {
    return {
      code: err.code,
      message: err.message,
      ...(err instanceof IntegrityError && err.objectName ? { objectName: err.objectName } : {}),
    };
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
