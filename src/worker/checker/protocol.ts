/** Messages between the program checker and its thread. */
import type { ProgramId, ProgramLimits, ProgramSummary } from '../../quantum/index.js';

export interface CheckRequest {
  readonly id: number;
  readonly programId: ProgramId;
  readonly params: unknown;
  readonly limits: ProgramLimits;
}

export type CheckReply =
  | { readonly id: number; readonly ok: true; readonly summary: ProgramSummary }
  /** `input`: a QuantumInputError (the client's mistake); otherwise a bug. */
  | { readonly id: number; readonly ok: false; readonly input: boolean; readonly message: string };
