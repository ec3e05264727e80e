/**
 * Hand-written kernels on split real/imaginary arrays, in place, and the matrix shapes that pick
 * a kernel (kernelgen.ts generates the others). A gate on qubit t mixes the amplitude pairs
 * (i, i + 2^t); each kernel walks them in index order so that memory streams. A matrix is
 * [re00, im00, re01, im01, re10, im10, re11, im11]. Indices are 32-bit: at most 30 qubits.
 */
import type { Matrix2 } from '../ir/gates.js';

/** How a 2×2 matrix is shaped, which picks its kernel. */
export const Shape = {
  General: 0,
  /** Only diagonal entries. */
  Diagonal: 1,
  /** Diagonal with a 1 in the |0⟩ entry: only the |1⟩ amplitudes change. */
  Phase: 2,
  /** Every entry real. */
  Real: 3,
  /** Real diagonal, imaginary off-diagonal (rx). */
  RxLike: 4,
  /** The bit flip X. */
  Flip: 5,
} as const;
/** A matrix shape code. */
export type Shape = (typeof Shape)[keyof typeof Shape];

/** The shape of `m` (exact zeros and ones only: a fused matrix is general unless exact). */
export function shapeOf(m: Matrix2): Shape {
  const [ar, ai, br, bi, cr, ci, dr, di] = m;
  if (br === 0 && bi === 0 && cr === 0 && ci === 0) {
    return ar === 1 && ai === 0 ? Shape.Phase : Shape.Diagonal;
  }
  if (ar === 0 && ai === 0 && dr === 0 && di === 0 && br === 1 && bi === 0 && cr === 1 && ci === 0)
    return Shape.Flip;
  if (ai === 0 && bi === 0 && ci === 0 && di === 0) return Shape.Real;
  if (ai === 0 && di === 0 && br === 0 && cr === 0) return Shape.RxLike;
  return Shape.General;
}

/** Multiply the amplitudes with bit `t` set (and every `cmask` bit set) by (pr + i·pi). */
export function phaseHalf(
  re: Float64Array,
  im: Float64Array,
  dim: number,
  t: number,
  pr: number,
  pi: number,
  cmask: number,
): void {
  const s = 1 << t;
  for (let base = s; base < dim; base += 2 * s) {
    for (let i = base; i < base + s; i++) {
      if ((i & cmask) !== cmask) continue;
      const xr = re[i] as number;
      const xi = im[i] as number;
      re[i] = pr * xr - pi * xi;
      im[i] = pr * xi + pi * xr;
    }
  }
}

/** Swap the amplitude pairs of qubit `t` (where every `cmask` bit is set): X and CX. */
export function flip(
  re: Float64Array,
  im: Float64Array,
  dim: number,
  t: number,
  cmask: number,
): void {
  const s = 1 << t;
  for (let base = 0; base < dim; base += 2 * s) {
    for (let i = base; i < base + s; i++) {
      if ((i & cmask) !== cmask) continue;
      const j = i + s;
      const xr = re[i] as number;
      const xi = im[i] as number;
      re[i] = re[j] as number;
      im[i] = im[j] as number;
      re[j] = xr;
      im[j] = xi;
    }
  }
}

/** The general case: `m` on `t` where all `cmask` bits are 1 and all `nmask` bits are 0. */
export function applyMasked(
  re: Float64Array,
  im: Float64Array,
  dim: number,
  t: number,
  m: Matrix2,
  cmask: number,
  nmask: number,
): void {
  const s = 1 << t;
  const ar = m[0] as number,
    ai = m[1] as number,
    br = m[2] as number,
    bi = m[3] as number;
  const cr = m[4] as number,
    ci = m[5] as number,
    dr = m[6] as number,
    di = m[7] as number;
  const test = cmask | nmask;
  for (let base = 0; base < dim; base += 2 * s) {
    for (let i = base; i < base + s; i++) {
      if ((i & test) !== cmask) continue;
      const j = i + s;
      const xr = re[i] as number;
      const xi = im[i] as number;
      const yr = re[j] as number;
      const yi = im[j] as number;
      re[i] = ar * xr - ai * xi + br * yr - bi * yi;
      im[i] = ar * xi + ai * xr + br * yi + bi * yr;
      re[j] = cr * xr - ci * xi + dr * yr - di * yi;
      im[j] = cr * xi + ci * xr + dr * yi + di * yr;
    }
  }
}

/** Swap qubits `a` and `b` where all `cmask` bits are 1 and all `nmask` bits are 0. */
export function applySwap(
  re: Float64Array,
  im: Float64Array,
  dim: number,
  a: number,
  b: number,
  cmask: number,
  nmask: number,
): void {
  const A = 1 << a;
  const B = 1 << b;
  const lo = Math.min(A, B);
  const hi = Math.max(A, B);
  const test = cmask | nmask;
  // Visit each index with bit a set and bit b clear once; its partner has them the other way.
  for (let h = 0; h < dim; h += 2 * hi) {
    for (let l = h; l < h + hi; l += 2 * lo) {
      for (let k = l; k < l + lo; k++) {
        const i = k + A;
        if ((i & test) !== cmask) continue;
        const j = k + B;
        const tr = re[i] as number;
        const ti = im[i] as number;
        re[i] = re[j] as number;
        im[i] = im[j] as number;
        re[j] = tr;
        im[j] = ti;
      }
    }
  }
}
