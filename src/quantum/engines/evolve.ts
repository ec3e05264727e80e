/** Running unitary operations on a dense state, tiled when it is large. */
import { isUnitary } from '../kernels/apply.js';
import type { Bound } from '../ir/operation.js';
import { SimulationCancelledError } from '../errors.js';
import type { StateVector } from './statevector.js';
import { TILE_MIN_QUBITS, evolveTiled } from './tiles.js';

/**
 * Run the unitary operations of `ops` (others are skipped): the estimator, and the part before
 * measurements. Large states run tiled (tiles.ts) so that memory traffic does not dominate.
 */
export function evolve(
  state: StateVector,
  ops: readonly Bound[],
  shouldStop?: () => boolean,
): void {
  const unitary = ops.filter(isUnitary);
  if (state.numQubits >= TILE_MIN_QUBITS) {
    evolveTiled(state.re, state.im, state.numQubits, unitary, shouldStop);
    return;
  }
  for (const op of unitary) {
    if (shouldStop?.()) throw new SimulationCancelledError();
    state.apply(op);
  }
}
