/**
 * Binding a circuit's angles, fusing single-qubit gates, and running it: one final state sampled
 * for all shots when measurements are terminal, or one trajectory per shot (from a shared prefix)
 * when the circuit measures mid-way, resets, or branches on a classical value.
 */
import type { Circuit, MeasureOp, Op, ResetOp } from './circuit.js';
import { measuresAreTerminal } from './circuit.js';
import { SimulationCancelledError } from './errors.js';
import { BASE, type Matrix2 } from './gates.js';
import { evaluate } from './qasm/expr.js';
import type { Rng } from './rng.js';
import { SparseState } from './sparse.js';
import { StateVector } from './statevector.js';

export type Bound =
  | {
      readonly kind: 'pair';
      readonly a: number;
      readonly b: number;
      readonly ma: Matrix2 | null;
      readonly mb: Matrix2 | null;
      readonly cu: Matrix2 | null;
    }
  | {
      readonly kind: 'u';
      readonly m: Matrix2;
      readonly target: number;
      readonly cmask: number;
      readonly nmask: number;
    }
  | {
      readonly kind: 'swap';
      readonly a: number;
      readonly b: number;
      readonly cmask: number;
      readonly nmask: number;
    }
  | MeasureOp
  | ResetOp
  | {
      readonly kind: 'if';
      readonly clbits: readonly number[];
      readonly value: number;
      readonly body: Bound[];
      readonly orelse: Bound[];
    };

const mask = (qs: readonly number[]): number => qs.reduce((m, q) => m + 2 ** q, 0);

/** Conjugate transpose. */
function dagger(a: Matrix2): Matrix2 {
  return Float64Array.from([
    a[0] ?? 0,
    -(a[1] ?? 0),
    a[4] ?? 0,
    -(a[5] ?? 0),
    a[2] ?? 0,
    -(a[3] ?? 0),
    a[6] ?? 0,
    -(a[7] ?? 0),
  ]);
}

/** b·a (apply a, then b). */
function multiply(b: Matrix2, a: Matrix2): Matrix2 {
  const out = new Float64Array(8);
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 2; c++) {
      let re = 0;
      let im = 0;
      for (let k = 0; k < 2; k++) {
        const xr = b[(r * 2 + k) * 2] ?? 0;
        const xi = b[(r * 2 + k) * 2 + 1] ?? 0;
        const yr = a[(k * 2 + c) * 2] ?? 0;
        const yi = a[(k * 2 + c) * 2 + 1] ?? 0;
        re += xr * yr - xi * yi;
        im += xr * yi + xi * yr;
      }
      out[(r * 2 + c) * 2] = re;
      out[(r * 2 + c) * 2 + 1] = im;
    }
  }
  return out;
}

/** Numeric operations for one parameter set. */
export function bind(ops: readonly Op[], env: ReadonlyMap<string, number>): Bound[] {
  return ops.map((op): Bound => {
    switch (op.kind) {
      case 'u': {
        const def = BASE[op.gate];
        if (!def) throw new Error(`no base gate ${op.gate}`);
        const m = def.f(op.args.map((a) => evaluate(a, env)));
        return {
          kind: 'u',
          m: op.inverse ? dagger(m) : m,
          target: op.target,
          cmask: mask(op.controls),
          nmask: mask(op.negControls),
        };
      }
      case 'swap':
        return {
          kind: 'swap',
          a: op.a,
          b: op.b,
          cmask: mask(op.controls),
          nmask: mask(op.negControls),
        };
      case 'if':
        return { ...op, body: bind(op.body, env), orelse: bind(op.orelse, env) };
      default:
        return op;
    }
  });
}

/**
 * Merge runs of uncontrolled single-qubit gates on the same qubit into one matrix, and fold the
 * pending ones of both qubits into the next singly-controlled gate on them (one sweep of the
 * state instead of three). Gates on other qubits commute with a pending one, so a run only ends
 * when something else touches its qubit.
 */
export function fuse(ops: readonly Bound[]): Bound[] {
  const out: Bound[] = [];
  const pending = new Map<number, Matrix2>();
  const flush = (q: number): void => {
    const m = pending.get(q);
    if (m) out.push({ kind: 'u', m, target: q, cmask: 0, nmask: 0 });
    pending.delete(q);
  };
  const touches = (op: Bound): number[] => {
    switch (op.kind) {
      case 'u':
        return [op.target, ...bits(op.cmask | op.nmask)];
      case 'pair':
        return [op.a, op.b];
      case 'swap':
        return [op.a, op.b, ...bits(op.cmask | op.nmask)];
      case 'measure':
      case 'reset':
        return [op.qubit];
      case 'if':
        return [...pending.keys()];
    }
  };
  for (const op of ops) {
    if (op.kind === 'u' && op.cmask === 0 && op.nmask === 0) {
      const prev = pending.get(op.target);
      pending.set(op.target, prev ? multiply(op.m, prev) : op.m);
      continue;
    }
    if (op.kind === 'u' && op.nmask === 0 && (op.cmask & (op.cmask - 1)) === 0) {
      const a = Math.log2(op.cmask);
      out.push({
        kind: 'pair',
        a,
        b: op.target,
        ma: pending.get(a) ?? null,
        mb: pending.get(op.target) ?? null,
        cu: op.m,
      });
      pending.delete(a);
      pending.delete(op.target);
      continue;
    }
    for (const q of touches(op)) flush(q);
    out.push(op);
  }
  for (const q of [...pending.keys()]) flush(q);
  return out;
}

function bits(m: number): number[] {
  const out: number[] = [];
  for (let q = 0; m > 0; q++, m = Math.floor(m / 2)) if (m % 2) out.push(q);
  return out;
}

function applyUnitary(state: StateVector, op: Bound): void {
  if (op.kind === 'u') state.applyU(op.m, op.target, op.cmask, op.nmask);
  else if (op.kind === 'pair') state.applyPair(op.a, op.b, op.ma, op.mb, op.cu);
  else if (op.kind === 'swap') state.applySwap(op.a, op.b, op.cmask, op.nmask);
}

/** Run unitary operations only (estimator, and the part before terminal measurements). */
export function evolve(
  state: StateVector,
  ops: readonly Bound[],
  shouldStop?: () => boolean,
): void {
  for (const op of ops) {
    if (shouldStop?.()) throw new SimulationCancelledError();
    applyUnitary(state, op);
  }
}

/** Classical bits of every shot: `shots × numClbits` zeros and ones. */
export function sampleShots(
  circuit: Circuit,
  ops: readonly Bound[],
  shots: number,
  rng: Rng,
  shouldStop?: () => boolean,
): Uint8Array {
  const out = new Uint8Array(shots * circuit.numClbits);
  if (measuresAreTerminal(circuit)) {
    const state = evolveFromZero(
      circuit.numQubits,
      fuse(ops.filter((o) => o.kind !== 'measure')),
      shouldStop,
    );
    const measures = ops.filter((o): o is MeasureOp => o.kind === 'measure');
    const outcomes =
      state instanceof SparseState
        ? sampleSparse(state, shots, rng)
        : sampleBasis(state, shots, rng);
    outcomes.forEach((basis, s) => {
      for (const m of measures)
        out[s * circuit.numClbits + m.clbit] = Math.floor(basis / 2 ** m.qubit) % 2;
    });
    return out;
  }
  // Trajectories: simulate the unitary prefix once, then each shot from a copy of it.
  const first = ops.findIndex((o) => o.kind !== 'u' && o.kind !== 'swap' && o.kind !== 'pair');
  const prefix = new StateVector(circuit.numQubits);
  evolve(prefix, fuse(ops.slice(0, first)), shouldStop);
  const rest = ops.slice(first);
  for (let s = 0; s < shots; s++) {
    if (s % 64 === 0 && shouldStop?.()) throw new SimulationCancelledError();
    const clbits = out.subarray(s * circuit.numClbits, (s + 1) * circuit.numClbits);
    runTrajectory(prefix.clone(), rest, clbits, rng);
  }
  return out;
}

/** Below this many qubits the dense vector is small enough to always use. */
const SPARSE_MIN_QUBITS = 12;

/**
 * Unitary operations from |0…0⟩: on a sparse map while at most 1/64 of the amplitudes are
 * non-zero (and at most 2^14 of them), then on the dense vector.
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
  const limit = Math.min(2 ** 14, 2 ** n / 64);
  const sparse = new SparseState(n);
  for (let k = 0; k < ops.length; k++) {
    if (shouldStop?.()) throw new SimulationCancelledError();
    const op = ops[k] as Bound;
    if (op.kind === 'u') sparse.applyU(op.m, op.target, op.cmask, op.nmask);
    else if (op.kind === 'swap') sparse.applySwap(op.a, op.b, op.cmask, op.nmask);
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

function runTrajectory(
  state: StateVector,
  ops: readonly Bound[],
  clbits: Uint8Array,
  rng: Rng,
): void {
  for (const op of ops) {
    switch (op.kind) {
      case 'measure':
        clbits[op.clbit] = measure(state, op.qubit, rng);
        break;
      case 'reset':
        if (measure(state, op.qubit, rng) === 1)
          state.applyU(BASE.x?.f([]) ?? new Float64Array(8), op.qubit);
        break;
      case 'if': {
        let v = 0;
        op.clbits.forEach((c, k) => (v += (clbits[c] ?? 0) * 2 ** k));
        runTrajectory(state, v === op.value ? op.body : op.orelse, clbits, rng);
        break;
      }
      default:
        applyUnitary(state, op);
    }
  }
}

function measure(state: StateVector, q: number, rng: Rng): 0 | 1 {
  const p1 = state.probabilityOne(q);
  const outcome = rng() < p1 ? 1 : 0;
  state.collapse(q, outcome, outcome ? p1 : 1 - p1);
  return outcome;
}

/**
 * `shots` basis states drawn from |amplitude|²: sorted uniforms swept once through the state
 * (no cumulative array, so no memory beyond the shots), then shuffled into random order.
 */
export function sampleBasis(state: StateVector, shots: number, rng: Rng): Uint32Array {
  const { re, im, dim } = state;
  return sweep(
    dim,
    (i) => (re[i] ?? 0) ** 2 + (im[i] ?? 0) ** 2,
    (i) => i,
    state.norm(),
    shots,
    rng,
  );
}

/** The same from a sparse state: only its non-zero amplitudes are walked. */
export function sampleSparse(state: SparseState, shots: number, rng: Rng): Uint32Array {
  const { index, prob } = state.sorted();
  const total = prob.reduce((a, b) => a + b, 0);
  return sweep(
    index.length,
    (k) => prob[k] ?? 0,
    (k) => index[k] ?? 0,
    total,
    shots,
    rng,
  );
}

/** Draw `shots` of `count` outcomes (probability p(k), label index(k)) in one sorted sweep. */
function sweep(
  count: number,
  p: (k: number) => number,
  index: (k: number) => number,
  total: number,
  shots: number,
  rng: Rng,
): Uint32Array {
  const u = new Float64Array(shots);
  for (let s = 0; s < shots; s++) u[s] = rng();
  u.sort();
  const out = new Uint32Array(shots);
  let acc = 0;
  let k = 0;
  for (let s = 0; s < shots; s++) {
    const target = (u[s] ?? 0) * total;
    while (k < count - 1 && acc + p(k) <= target) {
      acc += p(k);
      k++;
    }
    out[s] = index(k);
  }
  for (let s = shots - 1; s > 0; s--) {
    const j = Math.floor(rng() * (s + 1));
    const t = out[s] ?? 0;
    out[s] = out[j] ?? 0;
    out[j] = t;
  }
  return out;
}
