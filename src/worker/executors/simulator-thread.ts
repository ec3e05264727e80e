/**
 * Runs one program at a time inside a worker thread, so that a long simulation never stalls the
 * API or the scheduler. Cancellation is cooperative through a shared flag the main thread sets.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setSimulationThreads } from '../../quantum/index.js';
import { runTask } from './run-task.js';
import type { ThreadTask } from './thread-protocol.js';

if (!parentPort) throw new Error('simulator-thread must run in a worker thread');
const port = parentPort;
// This thread's share of the machine's cores, for the tiles of large states.
setSimulationThreads((workerData as { jobThreads?: number } | null)?.jobThreads ?? 1);

port.on('message', (task: ThreadTask) => {
  const stop = new Int32Array(task.stopFlag);
  port.postMessage(runTask(task, () => Atomics.load(stop, 0) !== 0));
});
