/**
 * Which engine runs a noisy circuit, for the sampler (shots) and the estimator (expectations). A density matrix costs 4^n per operation once; trajectories
 * cost 2^n per operation for every group of shots that noise has split apart, which with gate
 * noise is soon every shot. The crossover below was measured with `npm run bench:noise`
 * (docs/quantum.md has the table).
 */
import { type Bound, qubitsOf } from '../ir/operation.js';
import { DENSITY_MAX_QUBITS } from './density.js';

/** `auto` picks by the rule below; the others force one engine (benchmarks, tests). */
export type NoisyEngine = 'auto' | 'density' | 'trajectories';

/** Up to this width a density matrix was faster at every shot count measured (256 on). */
export const DENSITY_ALWAYS_QUBITS = 6;

/**
 * Whether a noisy run of `n` qubits and `shots` shots is cheaper as a density matrix: always up
 * to 6 qubits, and beyond while 2^n ≤ shots/8 (7 qubits from 1,024 shots, 9 from 4,096). The
 * density matrix's cost grows as 4^n, the trajectories' as shots·2^n.
 */
export function prefersDensity(n: number, shots: number): boolean {
  if (n > DENSITY_MAX_QUBITS) return false;
  return n <= DENSITY_ALWAYS_QUBITS || 2 ** n * 8 <= shots;
}

/**
 * Registers up to this width are estimated exactly, as a density matrix (about 3 s at 10): the
 * estimator needs no shots from it, so the sampler's crossover does not apply.
 */
export const ESTIMATOR_DENSITY_MAX_QUBITS = 10;

/** Whether the estimator's noisy expectations of `n` qubits come from a density matrix. */
export const estimatesExactly = (n: number): boolean => n <= ESTIMATOR_DENSITY_MAX_QUBITS;

/**
 * Whether the density matrix gives the shots' distribution: no classical branch, and nothing
 * touches a qubit once it is measured (its bit is then that of the final state).
 */
export function densityCanRun(ops: readonly Bound[]): boolean {
  const measured = new Set<number>();
  for (const op of ops) {
    switch (op.kind) {
      case 'if':
      case 'while':
      case 'store':
        return false;
      case 'measure':
        if (measured.has(op.qubit)) return false;
        measured.add(op.qubit);
        break;
      default:
        for (const q of qubitsOf(op)) if (measured.has(q)) return false;
    }
  }
  return true;
}
