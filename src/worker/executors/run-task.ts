/** One program run, as a simulator thread (or, for small jobs, the main thread) performs it. */
import { QuantumInputError, SimulationCancelledError, runProgram } from '../../quantum/index.js';
import type { ThreadReply, ThreadTask } from './thread-protocol.js';

export function runTask(
  task: Omit<ThreadTask, 'stopFlag'>,
  shouldStop: () => boolean,
): ThreadReply {
  try {
    const { result, summary } = runProgram(task.programId, task.params, task.limits, {
      shouldStop,
    });
    return {
      jobId: task.jobId,
      kind: 'completed',
      resultJson: JSON.stringify(result),
      logs: [
        `Ran ${summary.pubs} pub(s), ${summary.totalShots} shot(s), up to ${summary.maxQubits} qubit(s)`,
      ],
    };
  } catch (e) {
    if (e instanceof SimulationCancelledError) return { jobId: task.jobId, kind: 'stopped' };
    if (e instanceof QuantumInputError)
      return { jobId: task.jobId, kind: 'failed', reason: e.message };
    return {
      jobId: task.jobId,
      kind: 'failed',
      reason: `Simulator error: ${(e as Error).message}`,
    };
  }
}
