/** Messages between the simulator executor and its threads. */
import type { ProgramId, ProgramLimits } from '../../quantum/index.js';

export interface ThreadTask {
  readonly jobId: string;
  readonly programId: ProgramId;
  readonly params: unknown;
  readonly limits: ProgramLimits;
  /** Int32[1]; non-zero asks the simulation to stop. */
  readonly stopFlag: SharedArrayBuffer;
}

export type ThreadReply =
  | {
      readonly jobId: string;
      readonly kind: 'completed';
      readonly resultJson: string;
      readonly logs: string[];
    }
  | { readonly jobId: string; readonly kind: 'failed'; readonly reason: string }
  | { readonly jobId: string; readonly kind: 'stopped' };
