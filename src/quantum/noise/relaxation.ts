/**
 * Thermal relaxation while a qubit idles (T1 energy decay, T2 dephasing), at zero temperature,
 * as Qiskit Aer's `thermal_relaxation_error` defines the channel: over time t the |1⟩
 * population decays by exp(−t/T1) and the coherence by exp(−t/T2), with T2 capped at 2·T1 (as
 * `NoiseModel.from_backend` caps it; beyond that no channel exists).
 *
 * Berth writes that channel as amplitude damping with γ = 1 − exp(−t/T1), whose coherence is
 * √(1−γ) = exp(−t/2T1), followed by a Z with probability pZ that brings the coherence down the
 * rest of the way to exp(−t/T2). Both steps have an exact per-shot (trajectory) form, which
 * the measurement tree runs; Aer's mixture of I, Z and reset (when T2 ≤ T1) is the same channel.
 */

/** Per simulated qubit, in seconds (Infinity: no decay); `dt` converts `delay[n dt]`. */
export interface Relaxation {
  readonly t1: readonly number[];
  readonly t2: readonly number[];
  /** The backend's sample time in seconds, or null when it has none. */
  readonly dt: number | null;
}

/** The channel of one idle period. */
export interface RelaxChannel {
  /** Amplitude damping: the chance |1⟩ decays to |0⟩. */
  readonly gamma: number;
  /** The chance of a Z after the damping. */
  readonly pZ: number;
}

/** The relaxation of physical qubits `used`, in simulated-qubit order (see compact()). */
export function restrictRelaxation(r: Relaxation, used: readonly number[]): Relaxation {
  return {
    t1: used.map((q) => r.t1[q] ?? Infinity),
    t2: used.map((q) => r.t2[q] ?? Infinity),
    dt: r.dt,
  };
}

/** The channel for `seconds` of idling with the given T1 and T2 (seconds). */
export function relaxChannel(t1: number, t2: number, seconds: number): RelaxChannel {
  if (!(seconds > 0)) return { gamma: 0, pZ: 0 };
  const T1 = t1 > 0 ? t1 : Infinity;
  const T2 = Math.min(t2 > 0 ? t2 : Infinity, 2 * T1);
  const gamma = T1 === Infinity ? 0 : -Math.expm1(-seconds / T1);
  // exp(−t/T2) / exp(−t/2T1) ≤ 1 because T2 ≤ 2·T1.
  const extra = Math.exp(-seconds / T2 + (T1 === Infinity ? 0 : seconds / (2 * T1)));
  return { gamma, pZ: Math.max(0, (1 - Math.min(1, extra)) / 2) };
}
