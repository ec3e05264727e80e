/**
 * Binding a circuit's angles to numbers for one parameter set, and fusing single-qubit gates:
 * the operations the engine runs.
 */
import type { ClassicalExpr } from './classical.js';
import type { MeasureOp, Op, ResetOp, StoreOp } from './circuit.js';
import { BASE, type Matrix2 } from './gates.js';
import { type DenseMatrix, adjoint } from './matrix-power.js';
import { bindPower } from './power.js';
import { evaluate } from './qasm/expr.js';
import { type GateNoise, gateChannels, gateKey } from './gate-noise.js';
import { type Relaxation, relaxChannel } from './relaxation.js';

/**
 * Noise to bind into a run, per simulated qubit; `physical[k]` is simulated qubit k's number on
 * the device (gate calibrations are by physical qubits).
 */
export interface BindNoise {
  readonly relaxation?: Relaxation | undefined;
  readonly gates?: GateNoise | undefined;
  readonly physical?: readonly number[];
  /**
   * Zero-noise extrapolation: how many times to fold each two-qubit gate call, in circuit order
   * (missing entries are 0). A fold appends G†·G, each with the gate's noise, so one fold
   * triples that gate's noise and leaves the ideal circuit unchanged.
   */
  readonly folds?: readonly number[];
  /**
   * Pauli twirling of two-qubit Clifford gates, averaged exactly: their relaxation becomes the
   * Pauli channel it twirls to (the depolarizing part is already a Pauli channel).
   */
  readonly twirl?: boolean;
  /**
   * Twirl all noise, that of single-qubit gates and idle periods too, as PEA and PEC do (their
   * layers are twirled with the single-qubit gates that dress them): every noise operation is
   * then a Pauli channel, which pec.ts can amplify or cancel exactly.
   */
  readonly twirlAll?: boolean;
}

/** Two-qubit gates that map Paulis to Paulis, so a Pauli frame around them can be undone. */
export const TWIRLABLE: ReadonlySet<string> = new Set([
  'cx',
  'cy',
  'cz',
  'ecr',
  'swap',
  'iswap',
  'dcx',
]);

/** The number of two-qubit gate calls with noise marks (what `folds` is indexed by). */
export function twoQubitCalls(ops: readonly Op[]): number {
  let k = 0;
  for (const op of ops) {
    if (op.kind === 'mark' && op.qubits.length === 2) k++;
    if (op.kind === 'if') k += twoQubitCalls(op.body) + twoQubitCalls(op.orelse);
    if (op.kind === 'while') k += twoQubitCalls(op.body);
  }
  return k;
}

/** An operation with numeric matrices and qubit masks. */
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
      /** A 2^m × 2^m unitary on `qubits` (m = 2 or 3; local index bit j is qubits[j]). */
      readonly kind: 'dense';
      readonly qubits: readonly number[];
      readonly m: DenseMatrix;
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
  | StoreOp
  | {
      /** Relaxation over an idle period (relaxation.ts): random per shot, like a measurement. */
      readonly kind: 'relax';
      readonly qubit: number;
      readonly gamma: number;
      readonly pZ: number;
    }
  | {
      /** Depolarizing with parameter p: a uniformly random Pauli on `qubits` with chance p. */
      readonly kind: 'depol';
      readonly qubits: readonly number[];
      readonly p: number;
    }
  | {
      /** A Pauli channel: X, Y or Z on `qubit` with these chances (a twirled relaxation). */
      readonly kind: 'pauli';
      readonly qubit: number;
      readonly px: number;
      readonly py: number;
      readonly pz: number;
    }
  | {
      readonly kind: 'if';
      readonly clbits: readonly number[];
      readonly value: number;
      readonly body: Bound[];
      readonly orelse: Bound[];
      readonly expr?: ClassicalExpr;
    }
  | {
      readonly kind: 'while';
      readonly clbits: readonly number[];
      readonly value: number;
      readonly negate: boolean;
      readonly body: Bound[];
      readonly expr?: ClassicalExpr;
    };

const mask = (qs: readonly number[]): number => qs.reduce((m, q) => m + 2 ** q, 0);

/** Conjugate transpose. */
export function dagger(a: Matrix2): Matrix2 {
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
export function multiply(b: Matrix2, a: Matrix2): Matrix2 {
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

/**
 * Numeric operations for one parameter set. Delays become relaxation when `noise.relaxation`
 * is given, gate marks become their gate's noise when `noise.gates` is; otherwise both are
 * dropped.
 */
export function bind(
  ops: readonly Op[],
  env: ReadonlyMap<string, number>,
  noise: BindNoise = {},
): Bound[] {
  return new Binder(env, noise).run(ops);
}

/** One bind: the two-qubit call counter runs through branches in circuit order. */
class Binder {
  private twoQubit = 0;

  constructor(
    private readonly env: ReadonlyMap<string, number>,
    private readonly noise: BindNoise,
  ) {}

  run(ops: readonly Op[]): Bound[] {
    const out: Bound[] = [];
    // Where the current gate call's operations begin in `out` (after the last mark or
    // non-gate operation), so that a mark can fold them.
    let callStart = 0;
    for (const op of ops) {
      if (op.kind === 'mark') {
        const call = out.slice(callStart);
        const after = this.noise.gates ? this.markNoise(op.gate, op.qubits) : [];
        out.push(...after);
        if (op.qubits.length === 2) {
          const folds = this.noise.folds?.[this.twoQubit] ?? 0;
          this.twoQubit++;
          const undo = call.map(inverse).reverse();
          for (let f = 0; f < folds; f++) out.push(...undo, ...after, ...call, ...after);
        }
        callStart = out.length;
        continue;
      }
      const bound = this.one(op);
      if (Array.isArray(bound)) out.push(...bound);
      else out.push(bound);
      if (op.kind !== 'u' && op.kind !== 'swap' && op.kind !== 'pow' && op.kind !== 'matrix')
        callStart = out.length;
    }
    return out;
  }

  private one(op: Exclude<Op, { kind: 'mark' }>): Bound | Bound[] {
    const { env, noise } = this;
    const { relaxation } = noise;
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
      case 'pow':
        return bindPower(op, bind(op.body, env));
      case 'matrix': {
        const m = op.inverse ? adjoint(op.m, 1 << op.qubits.length) : op.m;
        const [target] = op.qubits;
        const cmask = mask(op.controls);
        const nmask = mask(op.negControls);
        return op.qubits.length === 1 && target !== undefined
          ? { kind: 'u', m, target, cmask, nmask }
          : { kind: 'dense', qubits: op.qubits, m, cmask, nmask };
      }
      case 'if':
        return { ...op, body: this.run(op.body), orelse: this.run(op.orelse) };
      case 'while':
        return { ...op, body: this.run(op.body) };
      case 'delay': {
        if (!relaxation) return [];
        const seconds = op.unit === 's' ? op.duration : op.duration * (relaxation.dt ?? 0);
        const t1 = relaxation.t1[op.qubit] ?? Infinity;
        const t2 = relaxation.t2[op.qubit] ?? Infinity;
        const { gamma, pZ } = relaxChannel(t1, t2, seconds);
        if (!(gamma > 0 || pZ > 0)) return [];
        const r = { qubit: op.qubit, gamma, pZ };
        return this.noise.twirlAll ? { kind: 'pauli', ...twirlRelax(r) } : { kind: 'relax', ...r };
      }
      default:
        return op;
    }
  }

  /** The noise after a call of `gate` on simulated `qubits`: depolarizing, then relaxation. */
  private markNoise(gate: string, qubits: readonly number[]): Bound[] {
    const { noise } = this;
    const physical = qubits.map((q) => noise.physical?.[q] ?? q);
    const cal = noise.gates?.table[gateKey(gate, physical)];
    if (!cal) return [];
    const { depol, relax } = gateChannels(cal, qubits, noise.relaxation);
    const out: Bound[] = depol > 0 ? [{ kind: 'depol', qubits, p: depol }] : [];
    const twirled =
      noise.twirlAll === true ||
      (noise.twirl === true && qubits.length === 2 && TWIRLABLE.has(gate));
    for (const r of relax)
      out.push(twirled ? { kind: 'pauli', ...twirlRelax(r) } : { kind: 'relax', ...r });
    return out;
  }
}

/**
 * The Pauli channel a relaxation twirls to. Amplitude damping's Kraus operators are
 * diag(1, s) = ((1+s)/2)·I + ((1−s)/2)·Z and √γ·|0⟩⟨1| = √γ·(X + iY)/2 (s = √(1−γ)), so its
 * twirl takes X and Y with γ/4 each and Z with ((1−s)/2)²; the Z that follows with chance pZ
 * then swaps I with Z (and X with Y, which have equal chances).
 */
export function twirlRelax(r: { qubit: number; gamma: number; pZ: number }): {
  qubit: number;
  px: number;
  py: number;
  pz: number;
} {
  const s = Math.sqrt(1 - r.gamma);
  const pI = ((1 + s) / 2) ** 2;
  const pZ = ((1 - s) / 2) ** 2;
  return {
    qubit: r.qubit,
    px: r.gamma / 4,
    py: r.gamma / 4,
    pz: pZ * (1 - r.pZ) + pI * r.pZ,
  };
}

/** The inverse of a gate operation (others are returned as they are: folds hold gates only). */
function inverse(op: Bound): Bound {
  switch (op.kind) {
    case 'u':
      return { ...op, m: dagger(op.m) };
    case 'dense':
      return { ...op, m: adjoint(op.m, 1 << op.qubits.length) };
    default:
      return op;
  }
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
  // A branch may touch any qubit: everything pending is flushed before it.
  const touches = (op: Bound): number[] =>
    op.kind === 'if' || op.kind === 'while' ? [...pending.keys()] : qubitsOf(op);
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

/** The qubits an operation acts on or is controlled by (a branch's are its bodies'). */
export function qubitsOf(op: Exclude<Bound, { kind: 'if' | 'while' }>): number[] {
  switch (op.kind) {
    case 'u':
      return [op.target, ...bits(op.cmask | op.nmask)];
    case 'pair':
      return [op.a, op.b];
    case 'swap':
      return [op.a, op.b, ...bits(op.cmask | op.nmask)];
    case 'dense':
      return [...op.qubits, ...bits(op.cmask | op.nmask)];
    case 'measure':
    case 'reset':
    case 'relax':
    case 'pauli':
      return [op.qubit];
    case 'depol':
      return [...op.qubits];
    case 'store':
      return [];
  }
}

function bits(m: number): number[] {
  const out: number[] = [];
  for (let q = 0; m > 0; q++, m = Math.floor(m / 2)) if (m % 2) out.push(q);
  return out;
}
