/**
 * Binding a circuit's angles to numbers for one parameter set (ir/operation.ts): gates become
 * matrices, powers are computed, marks and delays become their noise, ZNE folds are appended.
 */
import type { Op } from '../ir/circuit.js';
import { evaluate } from '../ir/expr.js';
import { BASE } from '../ir/gates.js';
import type { Bound } from '../ir/operation.js';
import { maskOf } from '../linalg/bits.js';
import { adjoint } from '../linalg/matrix-power.js';
import { bindPower } from './power.js';
import { type GateNoise, gateChannels, gateKey } from '../noise/gate-noise.js';
import { type Relaxation, relaxChannel } from '../noise/relaxation.js';

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
          m: op.inverse ? adjoint(m, 2) : m,
          target: op.target,
          cmask: maskOf(op.controls),
          nmask: maskOf(op.negControls),
        };
      }
      case 'swap':
        return {
          kind: 'swap',
          a: op.a,
          b: op.b,
          cmask: maskOf(op.controls),
          nmask: maskOf(op.negControls),
        };
      case 'pow':
        return bindPower(op, bind(op.body, env));
      case 'matrix': {
        const m = op.inverse ? adjoint(op.m, 1 << op.qubits.length) : op.m;
        const [target] = op.qubits;
        const cmask = maskOf(op.controls);
        const nmask = maskOf(op.negControls);
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
      return { ...op, m: adjoint(op.m, 2) };
    case 'dense':
      return { ...op, m: adjoint(op.m, 1 << op.qubits.length) };
    default:
      return op;
  }
}
