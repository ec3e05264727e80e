/** Dispatch of a bound unitary operation to the kernel that fits it, on any amplitude arrays. */
import type { Bound } from '../ir/operation.js';
import { applyDense } from './dense.js';
import type { Matrix2 } from '../ir/gates.js';
import { NONE, pairKernel, singleKernel } from './kernelgen.js';
import { Shape, applyMasked, applySwap, flip, phaseHalf, shapeOf } from './kernels.js';

/** The unitary kinds of bound operation. */
export type Unitary = Extract<Bound, { kind: 'u' | 'pair' | 'swap' | 'dense' }>;

/** Whether a bound operation is a gate (not a measurement, reset or branch). */
export const isUnitary = (op: Bound): op is Unitary =>
  op.kind === 'u' || op.kind === 'pair' || op.kind === 'swap' || op.kind === 'dense';

const shapeOrNone = (m: Matrix2 | null): number => (m === null ? NONE : shapeOf(m));

/** Apply `op` to the `dim` amplitudes in `re`/`im` (a whole state or a tile of one). */
export function applyUnitaryTo(re: Float64Array, im: Float64Array, dim: number, op: Unitary): void {
  if (op.kind === 'swap') return applySwap(re, im, dim, op.a, op.b, op.cmask, op.nmask);
  if (op.kind === 'dense') return applyDense(re, im, dim, op.qubits, op.m, op.cmask, op.nmask);
  if (op.kind === 'pair') {
    if (op.ma === null && op.mb === null) {
      if (op.cu !== null) applyControlled(re, im, dim, op.b, op.cu, 1 << op.a);
      return;
    }
    const kernel = pairKernel(shapeOrNone(op.ma), shapeOrNone(op.mb), shapeOrNone(op.cu));
    return kernel(re, im, dim, op.a, op.b, op.ma, op.mb, op.cu);
  }
  if (op.nmask !== 0) return applyMasked(re, im, dim, op.target, op.m, op.cmask, op.nmask);
  applyControlled(re, im, dim, op.target, op.m, op.cmask);
}

/** `m` on `t` where every `cmask` bit is 1 (no control when `cmask` is 0). */
function applyControlled(
  re: Float64Array,
  im: Float64Array,
  dim: number,
  t: number,
  m: Matrix2,
  cmask: number,
): void {
  const shape = shapeOf(m);
  if (shape === Shape.Phase)
    return phaseHalf(re, im, dim, t, m[6] as number, m[7] as number, cmask);
  if (shape === Shape.Flip) return flip(re, im, dim, t, cmask);
  singleKernel(shape, cmask !== 0)(re, im, dim, t, m, cmask);
}
