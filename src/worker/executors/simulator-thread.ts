/**
 * Runs one program at a time inside a worker thread, so that a long simulation never stalls the
 * API or the scheduler. Cancellation is cooperative through a shared flag the main thread sets.
 */
import { parentPort } from 'node:worker_threads';
import { runTask } from './run-task.js';
import type { ThreadTask } from './thread-protocol.js';

if (!parentPort) throw new Error('simulator-thread must run in a worker thread');
const port = parentPort;

port.on('message', (task: ThreadTask) => {
  const stop = new Int32Array(task.stopFlag);
  port.postMessage(runTask(task, () => Atomics.load(stop, 0) !== 0));
});
