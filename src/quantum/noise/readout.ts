/**
 * Readout (assignment) error: a measurement records the wrong value with a probability that
 * depends on the qubit and on the value it had, as IBM's calibrations report and as Aer's
 * `ReadoutError` applies it. The state collapses to the true outcome; only the recorded bit,
 * and so any condition on it, is wrong.
 */
import { type Rng, binomial } from '../rng.js';

/** Per simulated qubit: P(read 1 | was 0) and P(read 0 | was 1). */
export interface Readout {
  readonly p01: readonly number[];
  readonly p10: readonly number[];
}

/** The readout of the physical qubits `used`, in simulated-qubit order (see compact()). */
export function restrictReadout(r: Readout, used: readonly number[]): Readout {
  return { p01: used.map((q) => r.p01[q] ?? 0), p10: used.map((q) => r.p10[q] ?? 0) };
}

/** The chance that `qubit`, found in `outcome`, is recorded as the other value. */
export function flipChance(r: Readout | undefined, qubit: number, outcome: number): number {
  if (!r) return 0;
  return (outcome ? r.p10[qubit] : r.p01[qubit]) ?? 0;
}

/** The recorded value of one measurement that found `outcome`. */
export function misread(r: Readout | undefined, qubit: number, outcome: number, rng: Rng): number {
  const p = flipChance(r, qubit, outcome);
  return p > 0 && rng() < p ? outcome ^ 1 : outcome;
}

/** Of `shots` measurements that found `outcome`, how many record the other value. */
export function misreadCount(
  r: Readout | undefined,
  qubit: number,
  outcome: number,
  shots: number,
  rng: Rng,
): number {
  const p = flipChance(r, qubit, outcome);
  return p > 0 ? binomial(shots, p, rng) : 0;
}

/**
 * Readout under measurement twirling: a random half of the shots flip the qubit before the
 * measurement and the bit after it, so |0⟩ and |1⟩ are misread with the same chance, the mean.
 */
export function twirledReadout(r: Readout): Readout {
  const mean = r.p01.map((p, q) => (p + (r.p10[q] ?? 0)) / 2);
  return { p01: mean, p10: mean };
}
