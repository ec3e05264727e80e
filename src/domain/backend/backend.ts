/**
 * Backends: what runs jobs. A backend has `lanes` (jobs it runs at once) and an execution-time
 * model so that a simulated backend holds its lanes like a processor would.
 */

/** Operational status: only `online` starts jobs; the queue of the others keeps. */
export type BackendStatus = 'online' | 'paused' | 'offline';

/** How long a job holds its lane, beyond the time the simulation itself takes. */
export interface ExecutionModel {
  /** Fixed time per job (set-up, readout, classical overhead). */
  readonly jobOverheadMs: number;
  /** Time per shot, multiplied by the job's total shots. */
  readonly shotTimeMs: number;
}

/** A backend as declared in configuration. */
export interface Backend {
  readonly name: string;
  readonly lanes: number;
  readonly qubits: number;
  readonly status: BackendStatus;
  readonly statusReason: string | null;
  readonly model: ExecutionModel;
  readonly basisGates: readonly string[];
  /**
   * Enforce ISA rules as IBM does on its devices: every gate in the basis, unmodified, and a
   * two-qubit gate only on a coupled pair in the direction the coupling map lists.
   */
  readonly isa: boolean;
  /** Directed pairs; null means all-to-all. */
  readonly couplingMap: ReadonlyArray<readonly [number, number]> | null;
  readonly maxShots: number;
  readonly maxExperiments: number;
  readonly processorType: { readonly family: string; readonly revision: string };
  readonly clops: number;
  readonly version: string;
  readonly description: string;
  /** Name of a reference snapshot (configuration/properties) it mirrors, if any. */
  readonly reference: string | null;
}

/** Modeled execution time of a job with `totalShots` shots on `b`. */
export function modeledHoldMs(b: Backend, totalShots: number): number {
  return Math.round(b.model.jobOverheadMs + b.model.shotTimeMs * totalShots);
}
