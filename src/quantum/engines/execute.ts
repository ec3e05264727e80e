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
import { evolve } from './evolve.js';
import { type Readout, misread } from '../noise/readout.js';
import type { Rng } from '../rng.js';
import { SparseState } from './sparse.js';
import { StateVector } from './statevector.js';
import { runTree } from './trajectories.js';
import { DensityMatrix, evolveDensity } from './density.js';
import { type NoisyEngine, densityCanRun, prefersDensity } from './engine-choice.js';

export { bind } from '../compile/bind.js';
export { fuse } from '../compile/fuse.js';
export { evolve } from './evolve.js';
export type { Bound } from '../ir/operation.js';

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
 * (no cumulative array, so no memory beyond the shots; below FEW_OUTCOMES amplitudes each
 * uniform is looked up in the running sums instead, bucketsOf), then shuffled into random order.
 */
export function sampleBasis(state: StateVector, shots: number, rng: Rng): Uint32Array {
  return sweep(state.re, state.im, null, shots, rng);
}

/** The same from a sparse state: only its non-zero amplitudes are walked. */
export function sampleSparse(state: SparseState, shots: number, rng: Rng): Uint32Array {
  const { index, re, im } = state.sorted();
  return sweep(re, im, index, shots, rng);
}

/** Up to this many amplitudes, sampling looks each draw up instead of sorting the draws. */
const FEW_OUTCOMES = 4096;

/**
 * The outcome of each uniform in `u` by a sweep through the amplitudes, `u` sorted first: the
 * outcomes come out in ascending order.
 */
export function sweepSorted(
  re: Float64Array,
  im: Float64Array,
  u: Float64Array,
  labels: Uint32Array | null,
): Uint32Array {
  const count = re.length;
  u.sort();
  const out = new Uint32Array(u.length);
  let k = 0;
  let acc = 0;
  let p = (re[0] ?? 0) ** 2 + (im[0] ?? 0) ** 2;
  for (let s = 0; s < u.length; s++) {
    const target = u[s] as number;
    while (k < count - 1 && acc + p <= target) {
      acc += p;
      k++;
      p = (re[k] as number) ** 2 + (im[k] as number) ** 2;
    }
    out[s] = labels === null ? k : (labels[k] as number);
  }
  return out;
}

/**
 * The same outcomes as sweepSorted, in the same ascending order, for few amplitudes: each
 * uniform is looked up (binary search) in the running sums, which are added in the sweep's own
 * order so that every comparison is the same, and the outcomes are written from their counts.
 * Sorting the uniforms cost more than everything else for a GHZ state's two amplitudes.
 */
export function bucketsOf(
  re: Float64Array,
  im: Float64Array,
  u: Float64Array,
  labels: Uint32Array | null,
): Uint32Array {
  const count = re.length;
  // upper[k]: the running sum through outcome k (the sweep's `acc + p` at k).
  const upper = new Float64Array(count);
  let acc = 0;
  for (let k = 0; k < count; k++) {
    acc += (re[k] as number) ** 2 + (im[k] as number) ** 2;
    upper[k] = acc;
  }
  const hits = new Uint32Array(count);
  for (let s = 0; s < u.length; s++) {
    const target = u[s] as number;
    // The first k (below count − 1, the last taking the rest) with upper[k] > target.
    let lo = 0;
    let hi = count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((upper[mid] as number) <= target) lo = mid + 1;
      else hi = mid;
    }
    hits[lo] = (hits[lo] as number) + 1;
  }
  const out = new Uint32Array(u.length);
  for (let k = 0, s = 0; k < count; k++) {
    const n = hits[k] as number;
    if (n > 0) out.fill(labels === null ? k : (labels[k] as number), s, s + n);
    s += n;
  }
  return out;
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
  const out = count <= FEW_OUTCOMES ? bucketsOf(re, im, u, labels) : sweepSorted(re, im, u, labels);
  for (let s = shots - 1; s > 0; s--) {
    const j = Math.floor(rng() * (s + 1));
    const t = out[s] as number;
    out[s] = out[j] as number;
    out[j] = t;
  }
  return out;
}
