import { parentPort, workerData } from 'node:worker_threads';
import { preloadZstd } from '../../codecs/zstd-codec.js';
import { CancelledError } from '../../errors.js';
import { checkObject, processChunk } from './cpu-tasks.js';
import { serializeError, type EngineWorkerData } from './task-runner.js';
import { ownedBuffers, transferableBuffers } from './transferable.js';

/** The worker-thread side of the WorkerPool: runs one CPU task per message. */
const port = parentPort;
if (!port) throw new Error('engine-worker must run in a worker thread');
const { closing } = workerData as EngineWorkerData;

// Workers start while the job reads its catalog: zstd, the default codec, loads meanwhile.
preloadZstd();

port.on('message', async (msg: { id: number; kind: 'processChunk' | 'checkObject'; payload: never }) => {
  try {
    // The pool waits for every task it handed out before it stops this thread: those not
    // started yet are not worth that wait.
    if (Atomics.load(closing, 0) === 1) throw new CancelledError('the engine worker pool was closed');
    // Every buffer goes back to the main thread, whole: each arrived here shared or by transfer,
    // so this side owns it, and a worker's small heap is collected too rarely to hold on to any.
    if (msg.kind === 'processChunk') {
      const result = await processChunk(msg.payload);
      port.postMessage({ id: msg.id, result }, ownedBuffers([result.data, result.scratch]));
    } else {
      const result = await checkObject(msg.payload);
      const owned = ownedBuffers([result.stored, result.into]);
      // Data a codec allocated may be a view of Node's Buffer pool: it moves alone, copied if need be.
      const ownData = result.data.buffer === result.stored.buffer || result.data.buffer === result.into?.buffer;
      port.postMessage({ id: msg.id, result }, ownData ? owned : [...owned, ...transferableBuffers(result, 'data')]);
    }
  } catch (err) {
    port.postMessage({ id: msg.id, error: serializeError(err) });
  }
});
