import { parentPort } from 'node:worker_threads';
import { checkObject, processChunk } from './cpu-tasks.js';
import { serializeError } from './task-runner.js';
import { transferableBuffer } from './transferable.js';

/** The worker-thread side of the WorkerPool: runs one CPU task per message. */
const port = parentPort;
if (!port) throw new Error('engine-worker must run in a worker thread');

port.on('message', async (msg: { id: number; kind: 'processChunk' | 'checkObject'; payload: never }) => {
  try {
    if (msg.kind === 'processChunk') {
      // Every buffer goes back to the main thread: a worker's small heap is collected rarely, so
      // buffers left here would pile up outside the memory bound.
      const result = await processChunk(msg.payload);
      const transfer = [result.data.buffer as ArrayBuffer, ...result.objects.flatMap((o) => (o.stored ? [transferableBuffer(o, 'stored')] : []))];
      port.postMessage({ id: msg.id, result }, [...new Set(transfer)]);
    } else {
      const result = await checkObject(msg.payload);
      const transfer = [transferableBuffer(result, 'data'), transferableBuffer(result, 'stored')];
      port.postMessage({ id: msg.id, result }, [...new Set(transfer)]);
    }
  } catch (err) {
    port.postMessage({ id: msg.id, error: serializeError(err) });
  }
});
