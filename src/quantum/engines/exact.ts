/** The exact final state of a unitary circuit (no measurement), for checks and for users. */
import { hasClassicalFlow } from '../ir/circuit.js';
import { QuantumInputError } from '../errors.js';
import { bind, evolveFromZero, fuse } from './execute.js';
import { type ParseOptions, parseQasm } from '../frontend/qasm/parser.js';
import { SparseState } from './sparse.js';
import type { StateVector } from './statevector.js';

/** Simulate `source` with parameter values by name; measurements, resets and `if` are refused. */
export function statevector(
  source: string,
  values: Record<string, number> = {},
  options: ParseOptions = {},
): StateVector {
  const circuit = parseQasm(source, options);
  if (hasClassicalFlow(circuit.ops)) {
    throw new QuantumInputError('statevector() needs a circuit without measurements, resets or if');
  }
  const missing = circuit.parameters.filter((p) => values[p] === undefined);
  if (missing.length) throw new QuantumInputError(`no values for ${missing.join(', ')}`);
  const state = evolveFromZero(
    circuit.numQubits,
    fuse(bind(circuit.ops, new Map(Object.entries(values)))),
  );
  return state instanceof SparseState ? state.toDense() : state;
}
