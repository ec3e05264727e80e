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

/**
 * The kinds of noise a backend simulates, from its reference device's calibration, qubit by
 * qubit. `readout`: measurement assignment errors. `relaxation`: T1/T2 decay during `delay`
 * (and during gates, with `gates`). `gates`: a depolarizing error after each calibrated gate.
 */
export type NoiseKind = 'readout' | 'relaxation' | 'gates';

/** Per calibrated gate (`gate:q0_q1`, physical qubits): its error and its length in seconds. */
export type GateCalibrations = Readonly<
  Record<string, { readonly error: number; readonly length: number }>
>;

/** Per physical qubit, T1 and T2 in seconds; `dt` (seconds) converts `delay[n dt]`. */
export interface RelaxationTimes {
  readonly t1: readonly number[];
  readonly t2: readonly number[];
  readonly dt: number | null;
}

/**
 * Per physical qubit, the chance a measurement reads the wrong value: `p01[q]` reads 1 when the
 * qubit was in |0⟩ (IBM's `prob_meas1_prep0`), `p10[q]` reads 0 from |1⟩ (`prob_meas0_prep1`).
 */
export interface ReadoutError {
  readonly p01: readonly number[];
  readonly p10: readonly number[];
}

/** A backend as declared in configuration. */
export interface Backend {
  readonly name: string;
  readonly lanes: number;
  /**
   * Who runs its jobs: `internal`, the simulator in every Berth node; `external`, worker
   * processes that lease jobs over HTTP with a worker key (docs/workers.md).
   */
  readonly executor: 'internal' | 'external';
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
  /** Empty for an ideal backend. */
  readonly noise: readonly NoiseKind[];
  /** From the reference calibration when `noise` has `readout`; otherwise null. */
  readonly readoutError: ReadoutError | null;
  /** From the reference calibration when `noise` has `relaxation`; otherwise null. */
  readonly relaxation: RelaxationTimes | null;
  /** From the reference calibration when `noise` has `gates`; otherwise null. */
  readonly gateCalibrations: GateCalibrations | null;
}

/** Modeled execution time of a job with `totalShots` shots on `b`. */
export function modeledHoldMs(b: Backend, totalShots: number): number {
  return Math.round(b.model.jobOverheadMs + b.model.shotTimeMs * totalShots);
}
