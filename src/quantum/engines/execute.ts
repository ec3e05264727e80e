/**
 * Running bound operations: one final state sampled for all shots when measurements are
 * terminal, or one trajectory per shot (from a shared prefix) when the circuit measures mid-way,
 * resets, or branches on a classical value.
 */
import { isUnitary } from '../kernels/apply.js';
import { type Bound } from '../ir/operation.js';
import { fuse } from '../compile/fuse.js';
import type { Circuit, MeasureOp } from '../ir/circuit.js';
import { measuresAreTerminal } from '../ir/circuit.js';
import { SimulationCancelledError } from '../errors.js';
import { type Readout, misread } from '../noise/readout.js';
import type { Rng } from '../rng.js';
import { SparseState } from './sparse.js';
import { StateVector } from './statevector.js';
import { TILE_MIN_QUBITS, evolveTiled } from './tiles.js';
import { runTree } from './trajectories.js';
import { DensityMatrix, evolveDensity } from './density.js';
import { type NoisyEngine, densityCanRun, prefersDensity } from './engine-choice.js';

export { bind } from '../compile/bind.js';
export { fuse } from '../compile/fuse.js';
export type { Bound } from '../ir/operation.js';

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

/**
 * Classical bits of every shot: `shots × numClbits` zeros and ones, each recorded through
 * `readout` when given (indexed by simulated qubit).
 */
export function sampleShots(
  circuit: Circuit,
  ops: readonly Bound[],
  shots: number,
  rng: Rng,
  shouldStop?: () => boolean,
  readout?: Readout,
  engine: NoisyEngine = 'auto',
): Uint8Array {
  const out = new Uint8Array(shots * circuit.numClbits);
  const density =
    engine === 'density' || (engine === 'auto' && prefersDensity(circuit.numQubits, shots));
  if (!measuresAreTerminal(circuit) && density && densityCanRun(ops)) {
    const rho = new DensityMatrix(circuit.numQubits);
    evolveDensity(rho, fuse(ops), shouldStop);
    const probs = rho.probabilities();
    // The sweep draws by |amplitude|²: amplitudes √p give the diagonal's distribution.
    const outcomes = sweep(probs.map(Math.sqrt), new Float64Array(probs.length), null, shots, rng);
    writeRows(out, circuit.numClbits, outcomes, ops, rng, readout);
    return out;
  }
  if (measuresAreTerminal(circuit)) {
    const state = evolveFromZero(circuit.numQubits, fuse(ops.filter(isUnitary)), shouldStop);
    const outcomes =
      state instanceof SparseState
        ? sampleSparse(state, shots, rng)
        : sampleBasis(state, shots, rng);
    writeRows(out, circuit.numClbits, outcomes, ops, rng, readout);
    return out;
  }
  // Mid-circuit measurements: the unitary prefix once, then the measurement tree.
  const first = ops.findIndex((o) => !isUnitary(o));
  const prefix = new StateVector(circuit.numQubits);
  evolve(prefix, fuse(ops.slice(0, first)), shouldStop);
  return runTree(prefix, fuse(ops.slice(first)), shots, circuit.numClbits, {
    rng,
    shouldStop,
    readout,
    sample: (state, k) => sampleBasis(state, k, rng),
  });
}

/** Each shot's classical bits from its basis outcome, through the readout error if any. */
function writeRows(
  out: Uint8Array,
  width: number,
  outcomes: Uint32Array,
  ops: readonly Bound[],
  rng: Rng,
  readout: Readout | undefined,
): void {
  const measures = ops.filter((o): o is MeasureOp => o.kind === 'measure');
  // Basis indices are below 2^30 (at most 30 simulated qubits), so bit operations are exact.
  const qubits = Int32Array.from(measures, (m) => m.qubit);
  const clbits = Int32Array.from(measures, (m) => m.clbit);
  for (let s = 0, row = 0; s < outcomes.length; s++, row += width) {
    const basis = outcomes[s] as number;
    for (let k = 0; k < qubits.length; k++) {
      const q = qubits[k] as number;
      const bit = (basis >>> q) & 1;
      out[row + (clbits[k] as number)] = readout ? misread(readout, q, bit, rng) : bit;
    }
  }
}

/** Below this many qubits the dense vector is small enough to always use. */
const SPARSE_MIN_QUBITS = 12;

/**
 * Unitary operations from |0…0⟩: on a sparse map while at most 1/64 of the amplitudes are
 * non-zero (and at most 1,024 of them), then on the dense vector. The map allocates as it goes:
 * a larger cap grew the heap by tens of MB for no gain in time.
 */
export function evolveFromZero(
  n: number,
  ops: readonly Bound[],
  shouldStop?: () => boolean,
): StateVector | SparseState {
  if (n < SPARSE_MIN_QUBITS) {
    const dense = new StateVector(n);
    evolve(dense, ops, shouldStop);
    return dense;
  }
  const limit = Math.min(2 ** 10, 2 ** n / 64);
  const sparse = new SparseState(n);
  for (let k = 0; k < ops.length; k++) {
    if (shouldStop?.()) throw new SimulationCancelledError();
    const op = ops[k] as Bound;
    if (op.kind === 'u') sparse.applyU(op.m, op.target, op.cmask, op.nmask);
    else if (op.kind === 'swap') sparse.applySwap(op.a, op.b, op.cmask, op.nmask);
    else if (op.kind === 'dense') sparse.applyDense(op.m, op.qubits, op.cmask, op.nmask);
    else if (op.kind === 'pair') {
      if (op.ma) sparse.applyU(op.ma, op.a);
      if (op.mb) sparse.applyU(op.mb, op.b);
      if (op.cu) sparse.applyU(op.cu, op.b, 1 << op.a);
    }
    if (sparse.size > limit) {
      const dense = sparse.toDense();
      evolve(dense, ops.slice(k + 1), shouldStop);
      return dense;
    }
  }
  return sparse;
}

/**
 * `shots` basis states drawn from |amplitude|²: sorted uniforms swept once through the state
 * (no cumulative array, so no memory beyond the shots), then shuffled into random order.
 */
export function sampleBasis(state: StateVector, shots: number, rng: Rng): Uint32Array {
  return sweep(state.re, state.im, null, shots, rng);
}

/** The same from a sparse state: only its non-zero amplitudes are walked. */
export function sampleSparse(state: SparseState, shots: number, rng: Rng): Uint32Array {
  const { index, re, im } = state.sorted();
  return sweep(re, im, index, shots, rng);
}

/** Draw `shots` outcomes k with probability |re[k] + i·im[k]|², labelled `labels[k]` (or k). */
function sweep(
  re: Float64Array,
  im: Float64Array,
  labels: Uint32Array | null,
  shots: number,
  rng: Rng,
): Uint32Array {
  const count = re.length;
  let total = 0;
  for (let k = 0; k < count; k++) total += (re[k] as number) ** 2 + (im[k] as number) ** 2;
  const u = new Float64Array(shots);
  for (let s = 0; s < shots; s++) u[s] = rng() * total;
  u.sort();
  const out = new Uint32Array(shots);
  let k = 0;
  let acc = 0;
  let p = (re[0] ?? 0) ** 2 + (im[0] ?? 0) ** 2;
  for (let s = 0; s < shots; s++) {
    const target = u[s] as number;
    while (k < count - 1 && acc + p <= target) {
      acc += p;
      k++;
      p = (re[k] as number) ** 2 + (im[k] as number) ** 2;
    }
    out[s] = labels === null ? k : (labels[k] as number);
  }
  for (let s = shots - 1; s > 0; s--) {
    const j = Math.floor(rng() * (s + 1));
    const t = out[s] as number;
    out[s] = out[j] as number;
    out[j] = t;
  }
  return out;
}
