/**
 * Gate errors from a calibration, as Qiskit Aer's `NoiseModel.from_backend` builds them: after
 * each gate, a depolarizing channel and thermal relaxation over the gate's length on each of
 * its qubits, the depolarizing part sized so that the two together have the reported average
 * gate error (Aer's `_device_depolarizing_error`):
 *
 *   p = d·(F_relax − F) / (d·F_relax − 1),  F = 1 − gate_error,  d = 2^n,
 *
 * where F_relax is the average gate fidelity of the relaxation alone. Without relaxation
 * (F_relax = 1), the depolarizing channel carries the whole error.
 */
import { type RelaxChannel, type Relaxation, relaxChannel } from './relaxation.js';

/** A gate's calibration: its average gate error and its length in seconds. */
export interface GateCalibration {
  readonly error: number;
  readonly length: number;
}

/** Calibrations by `gate:q0_q1` (physical qubits), e.g. `ecr:62_72`. */
export interface GateNoise {
  readonly table: Readonly<Record<string, GateCalibration>>;
}

export const gateKey = (gate: string, qubits: readonly number[]): string =>
  `${gate}:${qubits.join('_')}`;

/**
 * Average gate fidelity of independent single-qubit relaxations: each has process fidelity
 * (2 − γ + 2·c)/4 (populations keep 1 and 1 − γ, coherences c), the product is the process
 * fidelity F_p of the whole, and the average fidelity is (d·F_p + 1)/(d + 1).
 */
export function relaxationFidelity(channels: readonly RelaxChannel[]): number {
  let process = 1;
  for (const { gamma, pZ } of channels) {
    const coherence = Math.sqrt(1 - gamma) * (1 - 2 * pZ);
    process *= (2 - gamma + 2 * coherence) / 4;
  }
  const d = 2 ** channels.length;
  return (d * process + 1) / (d + 1);
}

/** Aer's depolarizing parameter for a gate on `n` qubits, truncated to the physical bounds. */
export function depolarizingParam(error: number, n: number, relaxFidelity = 1): number {
  const relaxInfidelity = 1 - relaxFidelity;
  if (!(error > relaxInfidelity)) return 0;
  const d = 2 ** n;
  const e = Math.min(error, d / (d + 1));
  const p = (d * (e - relaxInfidelity)) / (d * relaxFidelity - 1);
  return Math.min(p, 4 ** n / (4 ** n - 1));
}

/**
 * The noise after one gate call on simulated qubits `qubits`, given its calibration: the
 * depolarizing parameter, and the relaxation channel of each qubit over the gate's length
 * (none when `relaxation` is not modelled).
 */
export function gateChannels(
  cal: GateCalibration,
  qubits: readonly number[],
  relaxation: Relaxation | undefined,
): { depol: number; relax: { qubit: number; gamma: number; pZ: number }[] } {
  if (!relaxation) return { depol: depolarizingParam(cal.error, qubits.length), relax: [] };
  const channels = qubits.map((q) =>
    relaxChannel(relaxation.t1[q] ?? Infinity, relaxation.t2[q] ?? Infinity, cal.length),
  );
  const fidelity = relaxationFidelity(channels);
  const relax = qubits
    .map((qubit, k) => ({ qubit, ...(channels[k] as RelaxChannel) }))
    .filter((r) => r.gamma > 0 || r.pZ > 0);
  return { depol: depolarizingParam(cal.error, qubits.length, fidelity), relax };
}
