/**
 * Binding a non-integer `pow(k) @` (circuit.ts PowerOp): the gate's matrix from its bound body,
 * its power (matrix-power.ts), and the operation that applies the result: a 2×2 for a one-qubit
 * gate (so every kernel, fusion and the sparse start apply as usual), a dense unitary for two or
 * three qubits, and a phase on a control for a bare global phase.
 */
import { applyUnitaryTo, isUnitary } from '../kernels/apply.js';
import type { Bound } from '../ir/operation.js';
import type { PowerOp } from '../ir/circuit.js';
import { maskOf } from '../linalg/bits.js';
import { type DenseMatrix, adjoint, unitaryPower } from '../linalg/matrix-power.js';

/** The bound operation for `op`, whose body has been bound to `body`. */
export function bindPower(op: PowerOp, body: readonly Bound[]): Bound {
  const m = op.qubits.length;
  const n = 1 << m;
  let w = unitaryPower(gateMatrix(body, m), n, op.exponent);
  if (op.inverse) w = adjoint(w, n);
  const cmask = maskOf(op.controls);
  const nmask = maskOf(op.negControls);
  const first = op.qubits[0];
  if (m === 1 && first !== undefined) return { kind: 'u', m: w, target: first, cmask, nmask };
  if (m > 1) return { kind: 'dense', qubits: op.qubits, m: w, cmask, nmask };
  // m = 0: a power of a global phase, seen only under control (the parser drops it otherwise).
  const [pr = 1, pi = 0] = w;
  const last = op.controls[op.controls.length - 1];
  if (last !== undefined) {
    const phase = Float64Array.of(1, 0, 0, 0, 0, 0, pr, pi);
    return { kind: 'u', m: phase, target: last, cmask: cmask & ~(1 << last), nmask };
  }
  const neg = op.negControls[op.negControls.length - 1] ?? 0;
  const phase = Float64Array.of(pr, pi, 0, 0, 0, 0, 1, 0);
  return { kind: 'u', m: phase, target: neg, cmask, nmask: nmask & ~(1 << neg) };
}

/**
 * The 2^m × 2^m matrix of a gate body on local qubits 0…m−1 whose operations are all controlled
 * by local qubit m: column j is the body applied to |1⟩|j⟩, read in the half where qubit m is 1.
 */
export function gateMatrix(body: readonly Bound[], m: number): DenseMatrix {
  const n = 1 << m;
  const out = new Float64Array(2 * n * n);
  const re = new Float64Array(2 * n);
  const im = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) {
    re.fill(0);
    im.fill(0);
    re[n + j] = 1;
    for (const op of body) {
      if (!isUnitary(op)) throw new Error('pow @: a gate body holds only gates');
      applyUnitaryTo(re, im, 2 * n, op);
    }
    for (let r = 0; r < n; r++) {
      out[2 * (r * n + j)] = re[n + r] as number;
      out[2 * (r * n + j) + 1] = im[n + r] as number;
    }
  }
  return out;
}
