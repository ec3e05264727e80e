/**
 * Circuits that measure mid-way, reset, or branch on classical bits. Shots that have seen the
 * same outcomes so far share one state: at a measurement the group splits in two, by a binomial
 * draw over the outcome probability, and each part goes on with its collapsed copy. A circuit
 * with a few mid-circuit measurements then costs a few states, not one simulation per shot; the
 * distribution is exactly that of per-shot trajectories. Once only measurements remain, a
 * group's shots are drawn from its final state at once. When copies would take too much memory,
 * the group's shots run one by one instead.
 *
 * A group draws its noise without reading the state wherever the draw does not depend on it,
 * and runs everything between the points that do read it (a split, a measurement, a possible
 * relaxation jump) as one fused, tiled sweep (see Lazy).
 */
import { type Unitary, isUnitary } from '../kernels/apply.js';
import { fuse } from '../compile/fuse.js';
import { evolve } from './evolve.js';
import { TILE_MIN_QUBITS } from './tiles.js';
import { type ClassicalExpr, evaluateClassical } from '../ir/classical.js';
import type { Bound } from '../ir/operation.js';
import { QuantumInputError, SimulationCancelledError } from '../errors.js';
import { BASE } from '../ir/gates.js';
import { type Readout, misread, misreadCount } from '../noise/readout.js';
import { type Rng, binomial } from '../rng.js';
import type { StateVector } from './statevector.js';

/** Passes of while loops one group of shots may run before the run fails. */
export const MAX_LOOP_PASSES = 100_000;

/** Amplitudes that live copies may hold in total (2^27: 2 GiB). */
const COPY_BUDGET = 2 ** 27;

/** The X matrix, for resets. */
const X = BASE.x?.f([]) ?? new Float64Array(8);
const Z = BASE.z?.f([]) ?? new Float64Array(8);

/** What remains to run: ops[at…], then the continuation (the ops after an enclosing `if`). */
interface Rest {
  readonly ops: readonly Bound[];
  readonly at: number;
  readonly next: Rest | null;
}

/** Where finished shots go: rows of `width` classical bits, filled in order. */
interface Sink {
  readonly out: Uint8Array;
  readonly width: number;
  row: number;
}

/** Randomness, cancellation and terminal sampling for runTree. */
export interface TreeOptions {
  readonly rng: Rng;
  readonly shouldStop: (() => boolean) | undefined;
  /** Called to draw `shots` basis states from a state (the terminal sampler). */
  readonly sample: (state: StateVector, shots: number) => Uint32Array;
  /** Amplitudes that live copies may hold in total (default 2^27: 2 GiB). */
  readonly copyBudget?: number;
  /** Readout error of each simulated qubit, if measurements misread. */
  readonly readout?: Readout | undefined;
  /**
   * Called with each group's final state and its shots instead of recording bits (the
   * estimator's noisy trajectories, which end without measurements).
   */
  readonly leaf?: (state: StateVector, shots: number) => void;
}

/** Run `ops` from `state` for `shots` shots; the classical bits of every shot, shuffled. */
export function runTree(
  state: StateVector,
  ops: readonly Bound[],
  shots: number,
  numClbits: number,
  opts: TreeOptions,
): Uint8Array {
  const sink: Sink = { out: new Uint8Array(shots * numClbits), width: numClbits, row: 0 };
  const live = { copies: 0 };
  group(state, { ops, at: 0, next: null }, new Uint8Array(numClbits), shots, sink, opts, live);
  shuffleRows(sink.out, numClbits, shots, opts.rng);
  return sink.out;
}

function group(
  state: StateVector,
  rest: Rest | null,
  clbits: Uint8Array,
  groupShots: number,
  sink: Sink,
  opts: TreeOptions,
  live: { copies: number },
): void {
  // Noise splits a group often: the shots that carry on with this state stay in this loop
  // (no recursion per split), so a deep noisy circuit does not deepen the stack. Branches and
  // loop passes continue here too: `r` becomes the body, followed by what comes after.
  let shots = groupShots;
  let passes = 0;
  let r: Rest | null = rest;
  const lazy = new Lazy(state, opts);
  for (let i = r?.at ?? 0; r !== null; i++) {
    if (i >= r.ops.length) {
      r = r.next;
      i = (r?.at ?? 0) - 1;
      continue;
    }
    if (opts.shouldStop?.()) throw new SimulationCancelledError();
    const op = r.ops[i] as Bound;
    if (isUnitary(op)) {
      lazy.push(op);
      continue;
    }
    if (op.kind === 'if') {
      const body = holds(op, clbits) ? op.body : op.orelse;
      r = { ops: body, at: 0, next: { ...r, at: i + 1 } };
      i = -1;
      continue;
    }
    if (op.kind === 'store') {
      store(op, clbits);
      continue;
    }
    if (op.kind === 'while') {
      if (holds(op, clbits) === op.negate) continue;
      if (++passes > MAX_LOOP_PASSES)
        throw new QuantumInputError(
          `a while loop ran more than ${MAX_LOOP_PASSES.toLocaleString('en')} times in one shot; make sure its condition can become false`,
        );
      // The body, then this loop again (its condition is tested before every pass).
      r = { ops: op.body, at: 0, next: { ...r, at: i } };
      i = -1;
      continue;
    }
    if (op.kind === 'measure' && onlyMeasures({ ...r, at: i })) {
      lazy.flush();
      return drawFinal(state, { ...r, at: i }, clbits, shots, sink, opts);
    }
    // A measurement, reset or noise channel: the group splits into parts that went
    // different ways (see split); the shots of the last part carry on here. Draws that do not
    // read the state come first: when every shot went the same way, nothing splits and what
    // the channel does waits with the gates (Lazy). The state is brought up to date before a
    // split copies it or anything reads it.
    const at = { state, after: { ...r, at: i + 1 }, clbits, sink, opts, live };
    let next: number;
    if (op.kind === 'relax') {
      const parts = lazy.relax(op, shots);
      if (parts === null) continue;
      next = split(at, parts, (s, part) => relaxBranch(s, op, part));
    } else if (op.kind === 'depol') {
      const pError = op.p * (1 - 4 ** -op.qubits.length);
      const errors = pError > 0 ? binomial(shots, Math.min(1, pError), opts.rng) : 0;
      if (errors === 0) continue;
      if (shots === 1) {
        // One shot, one Pauli: nothing to copy, so it waits with the gates.
        for (const p of randomPauliOps(op.qubits, opts.rng)) lazy.push(p);
        continue;
      }
      lazy.flush();
      // Each shot with an error takes its own random Pauli, on its own copy.
      const parts = Array.from({ length: errors }, () => ({ pauli: true, shots: 1 }));
      if (errors < shots) parts.push({ pauli: false, shots: shots - errors });
      next = split(at, parts, (s, part) => {
        if (part.pauli) randomPauli(s, op.qubits, opts.rng);
      });
    } else if (op.kind === 'pauli') {
      const parts = pauliParts(op, shots, opts.rng);
      const [only] = parts;
      if (parts.length === 1 && only) {
        if (only.m) lazy.push(on(only.m, op.qubit));
        continue;
      }
      lazy.flush();
      next = split(at, parts, (s, part) => {
        if (part.m) s.apply({ kind: 'u', m: part.m, target: op.qubit, cmask: 0, nmask: 0 });
      });
    } else {
      lazy.flush();
      const p1 = state.probabilityOne(op.qubit);
      const ones = binomial(shots, Math.min(1, Math.max(0, p1)), opts.rng);
      next = split(at, outcomes(op, shots, ones, opts), (s, part, bits) =>
        settle(s, op, part.outcome, part.read, part.outcome ? p1 : 1 - p1, bits),
      );
    }
    if (next < 0) return oneByOne(state, { ...r, at: i }, clbits, shots, sink, opts, live);
    shots = next;
  }
  lazy.flush();
  if (opts.leaf) opts.leaf(state, shots);
  else for (let s = 0; s < shots; s++) sink.out.set(clbits, sink.row++ * sink.width);
}

/**
 * A group's gates and state-independent noise, waiting to run: they run fused and tiled
 * (evolve), one sweep per tile, when the state is next read or copied. A relaxation's jump has
 * chance γ·P(1) per shot: the shots that may jump are drawn first, each with chance γ (about
 * 10⁻³ on a device), and only if some may is P(1) needed (then each of them jumps with chance
 * P(1): the two draws make γ·P(1)). Shots that do not jump take diag(1, √(1 − γ)), normalised
 * by √(1 − γ·P(1)); when none may jump that step waits unnormalised with the gates, and the
 * state is renormalised when brought up to date. The distribution is exactly that of applying
 * each channel in turn.
 */
class Lazy {
  private readonly pending: Bound[] = [];
  /** Whether a waiting no-jump step leaves the state's norm below 1. */
  private shrunk = false;

  constructor(
    private readonly state: StateVector,
    private readonly opts: TreeOptions,
  ) {}

  push(op: Unitary): void {
    // A state below the tiling size runs each operation at once: fusing and tiling would not
    // pay for themselves there (measured on GHZ-12 with 4,096 noisy shots).
    if (this.state.numQubits < TILE_MIN_QUBITS) this.state.apply(op);
    else this.pending.push(op);
  }

  /**
   * A relaxation on a group of `shots`: the parts it splits into (brought up to date first),
   * or null when every shot went the same way and the channel waits with the gates.
   */
  relax(op: RelaxOp, shots: number): RelaxPart[] | null {
    const { rng } = this.opts;
    const mayJump = op.gamma > 0 ? binomial(shots, op.gamma, rng) : 0;
    if (mayJump === 0) {
      const zs = op.pZ > 0 ? binomial(shots, op.pZ, rng) : 0;
      if (zs === 0 || zs === shots) {
        if (op.gamma > 0) {
          this.push(on(noJump(op.gamma), op.qubit));
          this.shrunk = true;
        }
        if (zs > 0) this.push(on(Z, op.qubit));
        return null;
      }
      const p1 = this.probabilityOne(op.qubit);
      return [
        { jump: false, z: true, shots: zs, p1 },
        { jump: false, z: false, shots: shots - zs, p1 },
      ];
    }
    const p1 = this.probabilityOne(op.qubit);
    return relaxParts(op, shots, binomial(mayJump, p1, rng), p1, rng);
  }

  private probabilityOne(q: number): number {
    this.flush();
    return Math.min(1, Math.max(0, this.state.probabilityOne(q)));
  }

  /** Run what waits, and renormalise if a no-jump step shrank the state. */
  flush(): void {
    if (this.pending.length > 0) {
      evolve(this.state, fuse(this.pending), this.opts.shouldStop);
      this.pending.length = 0;
    }
    if (this.shrunk) {
      const { re, im } = this.state;
      const scale = 1 / Math.sqrt(this.state.norm());
      for (let k = 0; k < re.length; k++) {
        re[k] = (re[k] as number) * scale;
        im[k] = (im[k] as number) * scale;
      }
      this.shrunk = false;
    }
  }
}

const on = (m: Float64Array, target: number): Unitary => ({
  kind: 'u',
  m,
  target,
  cmask: 0,
  nmask: 0,
});

/** diag(1, √(1 − γ)), one matrix per γ (a circuit has a few gate lengths and T1s). */
const noJumps = new Map<number, Float64Array>();
function noJump(gamma: number): Float64Array {
  let m = noJumps.get(gamma);
  if (!m) {
    m = Float64Array.from([1, 0, 0, 0, 0, 0, Math.sqrt(1 - gamma), 0]);
    if (noJumps.size > 4096) noJumps.clear();
    noJumps.set(gamma, m);
  }
  return m;
}

/** Where a group splits: its state and bits, and what runs after the splitting op. */
interface SplitPoint {
  readonly state: StateVector;
  readonly after: Rest;
  readonly clbits: Uint8Array;
  readonly sink: Sink;
  readonly opts: TreeOptions;
  readonly live: { copies: number };
}

/**
 * Every part but the last goes on with a copy of the state, made one at a time (so one more is
 * live at once); then `enter` puts the state itself in the last part. Returns the last part's
 * shots, which carry on with the state, or -1 when a copy would exceed the budget.
 */
function split<P extends { readonly shots: number }>(
  at: SplitPoint,
  parts: readonly P[],
  enter: (s: StateVector, part: P, bits: Uint8Array) => void,
): number {
  const { state, after, clbits, sink, opts, live } = at;
  if (parts.length > 1 && (live.copies + 2) * state.dim > (opts.copyBudget ?? COPY_BUDGET))
    return -1;
  for (const part of parts.slice(0, -1)) {
    const s = state.clone();
    const bits = clbits.slice();
    live.copies++;
    enter(s, part, bits);
    group(s, after, bits, part.shots, sink, opts, live);
    live.copies--;
  }
  const last = parts[parts.length - 1] as P;
  enter(state, last, clbits);
  return last.shots;
}

type RelaxOp = Extract<Bound, { kind: 'relax' }>;
type PauliOp = Extract<Bound, { kind: 'pauli' }>;

/** How a group splits at a Pauli channel: a multinomial draw over I, X, Y and Z. */
function pauliParts(
  op: PauliOp,
  shots: number,
  rng: Rng,
): { readonly m: Float64Array | null; readonly shots: number }[] {
  const parts: { m: Float64Array | null; shots: number }[] = [];
  let left = shots;
  let mass = 1;
  for (const [p, m] of [
    [op.px, PAULIS[0]],
    [op.py, PAULIS[1]],
    [op.pz, PAULIS[2]],
  ] as const) {
    const k = left > 0 && p > 0 ? binomial(left, Math.min(1, p / Math.max(mass, p)), rng) : 0;
    mass -= p;
    left -= k;
    if (k > 0) parts.push({ m: m ?? null, shots: k });
  }
  if (left > 0) parts.push({ m: null, shots: left });
  return parts;
}

/** The single-qubit Paulis X, Y, Z. */
const PAULIS = ['x', 'y', 'z'].map((g) => BASE[g]?.f([]) ?? new Float64Array(8));

/** A uniformly random non-identity Pauli on `qubits` (4^n − 1 of them). */
function randomPauli(state: StateVector, qubits: readonly number[], rng: Rng): void {
  for (const op of randomPauliOps(qubits, rng)) state.apply(op);
}

/** The same, as operations. */
function randomPauliOps(qubits: readonly number[], rng: Rng): Unitary[] {
  const n = qubits.length;
  // Draw a non-zero base-4 number below 4^n: digit k is qubit k's I, X, Y or Z.
  const code = 1 + Math.floor(rng() * (4 ** n - 1));
  const ops: Unitary[] = [];
  qubits.forEach((target, k) => {
    const digit = Math.floor(code / 4 ** k) % 4;
    const m = PAULIS[digit - 1];
    if (m) ops.push(on(m, target));
  });
  return ops;
}

/** Shots of a group that decayed (`jump`) or not, and then took a Z or not. */
interface RelaxPart {
  readonly jump: boolean;
  readonly z: boolean;
  readonly shots: number;
  /** P(1) of the qubit before the channel. */
  readonly p1: number;
}

/**
 * How a group splits at a relaxation, given how many of its shots jump (amplitude damping
 * decays |1⟩ with probability γ, so a shot jumps with probability γ·P(1), state-dependent like a
 * measurement; Lazy draws it): then each shot takes a Z with probability pZ.
 */
function relaxParts(op: RelaxOp, shots: number, jumps: number, p1: number, rng: Rng): RelaxPart[] {
  const parts: RelaxPart[] = [];
  for (const [jump, n] of [
    [true, jumps],
    [false, shots - jumps],
  ] as const) {
    if (n === 0) continue;
    const zs = op.pZ > 0 ? binomial(n, op.pZ, rng) : 0;
    if (zs > 0) parts.push({ jump, z: true, shots: zs, p1 });
    if (n - zs > 0) parts.push({ jump, z: false, shots: n - zs, p1 });
  }
  return parts;
}

/** Apply one branch of a relaxation to `state` (normalised, like a measurement's collapse). */
function relaxBranch(state: StateVector, op: RelaxOp, part: RelaxPart): void {
  const { qubit } = op;
  if (part.jump) {
    // |0⟩⟨1|: collapse to 1, then flip to 0.
    state.collapse(qubit, 1, part.p1);
    state.apply({ kind: 'u', m: X, target: qubit, cmask: 0, nmask: 0 });
  } else {
    // diag(1, √(1−γ)), divided by √(1 − γ·P(1)) to stay normalised.
    const norm = 1 / Math.sqrt(1 - op.gamma * part.p1);
    const m = Float64Array.from([norm, 0, 0, 0, 0, 0, Math.sqrt(1 - op.gamma) * norm, 0]);
    state.apply({ kind: 'u', m, target: qubit, cmask: 0, nmask: 0 });
  }
  if (part.z) state.apply({ kind: 'u', m: Z, target: qubit, cmask: 0, nmask: 0 });
}

/** Shots of a group that found `outcome` and record `read` (they differ on a misread). */
interface Part {
  readonly outcome: 0 | 1;
  readonly read: 0 | 1;
  readonly shots: number;
}

/** How a group of `shots`, `ones` of which found 1, splits by outcome and recorded value. */
function outcomes(
  op: Extract<Bound, { kind: 'measure' | 'reset' }>,
  shots: number,
  ones: number,
  opts: TreeOptions,
): Part[] {
  const parts: Part[] = [];
  for (const [outcome, n] of [
    [0, shots - ones],
    [1, ones],
  ] as const) {
    if (n === 0) continue;
    const wrong =
      op.kind === 'measure' ? misreadCount(opts.readout, op.qubit, outcome, n, opts.rng) : 0;
    if (n - wrong > 0) parts.push({ outcome, read: outcome, shots: n - wrong });
    if (wrong > 0) parts.push({ outcome, read: outcome === 0 ? 1 : 0, shots: wrong });
  }
  return parts;
}

/** Collapse `state` to `outcome` of a measurement or reset, and record `read`. */
function settle(
  state: StateVector,
  op: Extract<Bound, { kind: 'measure' | 'reset' }>,
  outcome: 0 | 1,
  read: 0 | 1,
  p: number,
  clbits: Uint8Array,
): void {
  state.collapse(op.qubit, outcome, p);
  if (op.kind === 'measure') clbits[op.clbit] = read;
  else if (outcome === 1) state.apply({ kind: 'u', m: X, target: op.qubit, cmask: 0, nmask: 0 });
}

/** When copies would exceed the budget: each shot runs alone from its own copy. */
function oneByOne(
  state: StateVector,
  rest: Rest,
  clbits: Uint8Array,
  shots: number,
  sink: Sink,
  opts: TreeOptions,
  live: { copies: number },
): void {
  // A group of one shot never splits, so this needs one copy at a time.
  for (let s = 0; s < shots; s++) {
    const copy = s === shots - 1 ? state : state.clone();
    group(copy, rest, clbits.slice(), 1, sink, opts, live);
  }
}

/** Whether everything left is a measurement. */
function onlyMeasures(rest: Rest | null): boolean {
  for (let r = rest; r !== null; r = r.next) {
    for (let i = r.at; i < r.ops.length; i++) if (r.ops[i]?.kind !== 'measure') return false;
  }
  return true;
}

/** The remaining measurements of a group, drawn for all its shots from its final state. */
function drawFinal(
  state: StateVector,
  rest: Rest,
  clbits: Uint8Array,
  shots: number,
  sink: Sink,
  opts: TreeOptions,
): void {
  const measures: { qubit: number; clbit: number }[] = [];
  for (let r: Rest | null = rest; r !== null; r = r.next) {
    for (let i = r.at; i < r.ops.length; i++) {
      const op = r.ops[i];
      if (op?.kind === 'measure') measures.push(op);
    }
  }
  for (const basis of opts.sample(state, shots)) {
    const row = sink.row++ * sink.width;
    sink.out.set(clbits, row);
    for (const m of measures) {
      const bit = (basis >>> m.qubit) & 1;
      sink.out[row + m.clbit] = opts.readout ? misread(opts.readout, m.qubit, bit, opts.rng) : bit;
    }
  }
}

/** A classical assignment: the value's low bits into the target bits, least significant first. */
function store(op: Extract<Bound, { kind: 'store' }>, clbits: Uint8Array): void {
  const v = evaluateClassical(op.expr, clbits);
  op.clbits.forEach((c, k) => (clbits[c] = Number((v >> BigInt(k)) & 1n)));
}

/** Whether an `if` or `while` condition holds for these bits. */
function holds(
  op: { readonly clbits: readonly number[]; readonly value: number; readonly expr?: ClassicalExpr },
  clbits: Uint8Array,
): boolean {
  return op.expr
    ? evaluateClassical(op.expr, clbits) !== 0n
    : bitsValue(clbits, op.clbits) === op.value;
}

/** The value of classical bits (least significant first). */
function bitsValue(clbits: Uint8Array, bits: readonly number[]): number {
  let v = 0;
  bits.forEach((c, k) => (v += (clbits[c] ?? 0) * 2 ** k));
  return v;
}

/** Fisher–Yates over rows, so that shot order carries no trace of the grouping. */
function shuffleRows(out: Uint8Array, width: number, rows: number, rng: Rng): void {
  if (width === 0) return;
  const tmp = new Uint8Array(width);
  for (let s = rows - 1; s > 0; s--) {
    const j = Math.floor(rng() * (s + 1));
    if (j === s) continue;
    tmp.set(out.subarray(s * width, (s + 1) * width));
    out.copyWithin(s * width, j * width, (j + 1) * width);
    out.set(tmp, j * width);
  }
}
