/**
 * Binding a circuit's angles to numbers for one parameter set, and fusing single-qubit gates:
 * the operations the engine runs.
 */
import type { MeasureOp, Op, ResetOp } from './circuit.js';
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
  const { relaxation } = noise;
  return ops.flatMap((op): Bound | Bound[] => {
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
        return {
          ...op,
          body: bind(op.body, env, noise),
          orelse: bind(op.orelse, env, noise),
        };
      case 'mark':
        return noise.gates ? markNoise(op.gate, op.qubits, noise.gates, noise) : [];
      case 'delay': {
        if (!relaxation) return [];
        const seconds = op.unit === 's' ? op.duration : op.duration * (relaxation.dt ?? 0);
        const t1 = relaxation.t1[op.qubit] ?? Infinity;
        const t2 = relaxation.t2[op.qubit] ?? Infinity;
        const { gamma, pZ } = relaxChannel(t1, t2, seconds);
        return gamma > 0 || pZ > 0 ? { kind: 'relax', qubit: op.qubit, gamma, pZ } : [];
      }
      default:
        return op;
    }
  });
}

/** The noise after a call of `gate` on simulated `qubits`: depolarizing, then relaxation. */
function markNoise(
  gate: string,
  qubits: readonly number[],
  gates: GateNoise,
  noise: BindNoise,
): Bound[] {
  const physical = qubits.map((q) => noise.physical?.[q] ?? q);
  const cal = gates.table[gateKey(gate, physical)];
  if (!cal) return [];
  const { depol, relax } = gateChannels(cal, qubits, noise.relaxation);
  const out: Bound[] = depol > 0 ? [{ kind: 'depol', qubits, p: depol }] : [];
  for (const r of relax) out.push({ kind: 'relax', ...r });
  return out;
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
      case 'dense':
        return [...op.qubits, ...bits(op.cmask | op.nmask)];
      case 'measure':
      case 'reset':
      case 'relax':
      case 'pauli':
        return [op.qubit];
      case 'depol':
        return [...op.qubits];
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
