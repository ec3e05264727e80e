/**
 * Runs one program at a time inside a worker thread, so that a long simulation never stalls the
 * API or the scheduler. Cancellation is cooperative through a shared flag the main thread sets.
 */
import { parentPort } from 'node:worker_threads';
import { QuantumInputError, SimulationCancelledError, runProgram } from '../../quantum/index.js';
import type { ThreadReply, ThreadTask } from './thread-protocol.js';

if (!parentPort) throw new Error('simulator-thread must run in a worker thread');
const port = parentPort;

port.on('message', (task: ThreadTask) => {
  const stop = new Int32Array(task.stopFlag);
  let reply: ThreadReply;
  try {
    const { result, summary } = runProgram(task.programId, task.params, task.limits, {
      shouldStop: () => Atomics.load(stop, 0) !== 0,
    });
    reply = {
      jobId: task.jobId,
      kind: 'completed',
      resultJson: JSON.stringify(result),
      logs: [
        `Ran ${summary.pubs} pub(s), ${summary.totalShots} shot(s), up to ${summary.maxQubits} qubit(s)`,
      ],
    };
  } catch (e) {
    if (e instanceof SimulationCancelledError) reply = { jobId: task.jobId, kind: 'stopped' };
    else if (e instanceof QuantumInputError)
      reply = { jobId: task.jobId, kind: 'failed', reason: e.message };
    else
      reply = {
        jobId: task.jobId,
        kind: 'failed',
        reason: `Simulator error: ${(e as Error).message}`,
      };
  }
  port.postMessage(reply);
});
