/**
 * Noise amplification (PEA) and cancellation (PEC) on Berth's known noise model. With every
 * gate's noise twirled, each noise operation is a Pauli channel with exact Pauli–Lindblad rates
 * (pauli-lindblad.ts): a depolarizing channel on n qubits has 4^n − 1 generators at
 * −ln(1 − p)/4^n each, a single-qubit Pauli channel three. Scaling every rate by a factor c is
 * again a Pauli channel, written as an operation of the same kind:
 * - PEA (probabilistic error amplification) appends, after each noise operation, its channel
 *   at rates (G − 1)·λ: the circuit then runs at G times its noise, exactly;
 * - PEC (probabilistic error cancellation) appends the channel at rates −(1 − g)·λ, a map that
 *   is not a channel (its "probabilities" are negative): PEC realises it as a quasi-probability
 *   mixture of Pauli insertions with overhead γ = exp(2(1 − g)·Σλ), and its estimator's mean is
 *   exactly what the density matrix gives with these maps inserted.
 * Pure functions over bound operations.
 */
import type { Bound } from '../ir/operation.js';

/** The rates of a single-qubit Pauli channel (λ_X, λ_Y, λ_Z): see pauli-lindblad.ts. */
function pauliRates(px: number, py: number, pz: number): [number, number, number] {
  const g = (flip: number) => -Math.log(1 - 2 * flip) / 2;
  const [gx, gy, gz] = [g(py + pz), g(px + pz), g(px + py)];
  return [(gy + gz - gx) / 2, (gx + gz - gy) / 2, (gx + gy - gz) / 2];
}

/** Independent X, Y and Z flips with chances q (each (1 − e^{−2λ})/2) as one Pauli channel. */
function fromRates(lx: number, ly: number, lz: number): { px: number; py: number; pz: number } {
  const q = (l: number) => -Math.expm1(-2 * l) / 2;
  const [x, y, z] = [q(lx), q(ly), q(lz)];
  return {
    px: x * (1 - y) * (1 - z) + (1 - x) * y * z,
    py: y * (1 - x) * (1 - z) + x * (1 - y) * z,
    pz: z * (1 - x) * (1 - y) + x * y * (1 - z),
  };
}

/** The sum of a noise operation's rates (0 for anything that is not a Pauli channel). */
export function rateSum(op: Bound): number {
  if (op.kind === 'depol') {
    const d = 4 ** op.qubits.length;
    return op.p > 0 ? ((d - 1) * -Math.log1p(-op.p)) / d : 0;
  }
  if (op.kind === 'pauli') {
    const [a, b, c] = pauliRates(op.px, op.py, op.pz);
    return a + b + c;
  }
  return 0;
}

/** The channel of `op` with every rate multiplied by `c` (c < 0: a partial inverse). */
export function scaled(op: Bound, c: number): Bound | null {
  if (op.kind === 'depol')
    return op.p > 0
      ? { kind: 'depol', qubits: op.qubits, p: -Math.expm1(c * Math.log1p(-op.p)) }
      : null;
  if (op.kind === 'pauli') {
    const [a, b, d] = pauliRates(op.px, op.py, op.pz);
    return { kind: 'pauli', qubit: op.qubit, ...fromRates(c * a, c * b, c * d) };
  }
  return null;
}

/** Every Pauli noise operation followed by itself at rates × c, through branches too. */
function withScaled(ops: readonly Bound[], c: number): Bound[] {
  const out: Bound[] = [];
  for (const op of ops) {
    if (op.kind === 'if') {
      out.push({ ...op, body: withScaled(op.body, c), orelse: withScaled(op.orelse, c) });
      continue;
    }
    if (op.kind === 'while') {
      out.push({ ...op, body: withScaled(op.body, c) });
      continue;
    }
    out.push(op);
    const extra = scaled(op, c);
    if (extra) out.push(extra);
  }
  return out;
}

/** PEA: the circuit at `factor` times its (twirled) noise. */
export function amplify(ops: readonly Bound[], factor: number): Bound[] {
  return factor === 1 ? [...ops] : withScaled(ops, factor - 1);
}

/** The sum of all rates of a circuit's noise (what PEC's overhead grows with). */
export function totalRate(ops: readonly Bound[]): number {
  let sum = 0;
  for (const op of ops) {
    if (op.kind === 'if') sum += Math.max(totalRate(op.body), totalRate(op.orelse));
    else if (op.kind === 'while') sum += totalRate(op.body);
    else sum += rateSum(op);
  }
  return sum;
}

/**
 * The noise gain PEC uses: the user's, or with "auto" the smallest in [0, 1] whose sampling
 * overhead γ² = exp(4(1 − g)·Σλ) stays within `maxOverhead` (no limit: 0, full cancellation).
 */
export function noiseGain(
  gain: number | 'auto',
  maxOverhead: number | null,
  total: number,
): number {
  if (gain !== 'auto') return gain;
  if (maxOverhead === null || total === 0) return 0;
  return Math.min(1, Math.max(0, 1 - Math.log(maxOverhead) / (4 * total)));
}

/** PEC: the circuit with its noise cancelled down to `gain` times itself, and γ. */
export function cancel(ops: readonly Bound[], gain: number): { ops: Bound[]; gamma: number } {
  return {
    ops: gain === 1 ? [...ops] : withScaled(ops, -(1 - gain)),
    gamma: Math.exp(2 * (1 - gain) * totalRate(ops)),
  };
}
