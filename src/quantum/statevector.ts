/**
 * The statevector engine: amplitudes in two Float64Arrays (real, imaginary), gates applied in
 * place on the pairs of amplitudes they mix, never as full-space matrices. Diagonal gates (z, s,
 * t, rz, p, and their controlled forms) only rotate phases.
 */
import type { Matrix2 } from './gates.js';

export class StateVector {
  readonly dim: number;
  readonly re: Float64Array;
  readonly im: Float64Array;

  constructor(
    readonly numQubits: number,
    from?: StateVector,
  ) {
    this.dim = 2 ** numQubits;
    this.re = from ? from.re.slice() : new Float64Array(this.dim);
    this.im = from ? from.im.slice() : new Float64Array(this.dim);
    if (!from) this.re[0] = 1;
  }

  clone(): StateVector {
    return new StateVector(this.numQubits, this);
  }

  /** Apply `m` to `target` where all `cmask` bits are 1 and all `nmask` bits are 0. */
  applyU(m: Matrix2, target: number, cmask = 0, nmask = 0): void {
    const { re, im, dim } = this;
    const t = 2 ** target;
    const [ar = 0, ai = 0, br = 0, bi = 0, cr = 0, ci = 0, dr = 0, di = 0] = m;
    const diagonal = br === 0 && bi === 0 && cr === 0 && ci === 0;
    for (let hi = 0; hi < dim; hi += 2 * t) {
      for (let i = hi; i < hi + t; i++) {
        if ((i & cmask) !== cmask || (i & nmask) !== 0) continue;
        const j = i + t;
        const xr = re[i] ?? 0;
        const xi = im[i] ?? 0;
        const yr = re[j] ?? 0;
        const yi = im[j] ?? 0;
        if (diagonal) {
          re[i] = ar * xr - ai * xi;
          im[i] = ar * xi + ai * xr;
          re[j] = dr * yr - di * yi;
          im[j] = dr * yi + di * yr;
        } else {
          re[i] = ar * xr - ai * xi + br * yr - bi * yi;
          im[i] = ar * xi + ai * xr + br * yi + bi * yr;
          re[j] = cr * xr - ci * xi + dr * yr - di * yi;
          im[j] = cr * xi + ci * xr + dr * yi + di * yr;
        }
      }
    }
  }

  /** Swap qubits `a` and `b` under the same control rule. */
  applySwap(a: number, b: number, cmask = 0, nmask = 0): void {
    const { re, im, dim } = this;
    const ma = 2 ** a;
    const mb = 2 ** b;
    for (let i = 0; i < dim; i++) {
      // Visit each pair once: bit a set, bit b clear.
      if ((i & ma) === 0 || (i & mb) !== 0) continue;
      if ((i & cmask) !== cmask || (i & nmask) !== 0) continue;
      const j = i - ma + mb;
      const tr = re[i] ?? 0;
      const ti = im[i] ?? 0;
      re[i] = re[j] ?? 0;
      im[i] = im[j] ?? 0;
      re[j] = tr;
      im[j] = ti;
    }
  }

  /** Probability that measuring `q` gives 1. */
  probabilityOne(q: number): number {
    const { re, im, dim } = this;
    const m = 2 ** q;
    let p = 0;
    for (let i = 0; i < dim; i++) if (i & m) p += (re[i] ?? 0) ** 2 + (im[i] ?? 0) ** 2;
    return p;
  }

  /** Project `q` onto `outcome` (whose probability is `p`) and renormalise. */
  collapse(q: number, outcome: 0 | 1, p: number): void {
    const { re, im, dim } = this;
    const m = 2 ** q;
    const scale = p > 0 ? 1 / Math.sqrt(p) : 0;
    for (let i = 0; i < dim; i++) {
      const bit = i & m ? 1 : 0;
      if (bit === outcome) {
        re[i] = (re[i] ?? 0) * scale;
        im[i] = (im[i] ?? 0) * scale;
      } else {
        re[i] = 0;
        im[i] = 0;
      }
    }
  }

  /** Squared norm (1 for a valid state). */
  norm(): number {
    let s = 0;
    for (let i = 0; i < this.dim; i++) s += (this.re[i] ?? 0) ** 2 + (this.im[i] ?? 0) ** 2;
    return s;
  }
}
