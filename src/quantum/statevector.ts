/**
 * The statevector engine: amplitudes in two Float64Arrays (real, imaginary), gates applied in
 * place on the amplitudes they mix (kernels.ts), never as full-space matrices.
 */
import type { Matrix2 } from './gates.js';
import { apply1, applyMasked, applyPair } from './kernels.js';

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
    if (cmask === 0 && nmask === 0) {
      apply1(this.re, this.im, this.dim, target, m);
    } else if (nmask === 0 && (cmask & (cmask - 1)) === 0) {
      applyPair(this.re, this.im, this.dim, Math.log2(cmask), target, null, null, m);
    } else {
      applyMasked(this.re, this.im, this.dim, target, m, cmask, nmask);
    }
  }

  /** `ma` on `a` and `mb` on `b` (either may be null), then `cu` controlled by `a` on `b`. */
  applyPair(
    a: number,
    b: number,
    ma: Matrix2 | null,
    mb: Matrix2 | null,
    cu: Matrix2 | null,
  ): void {
    applyPair(this.re, this.im, this.dim, a, b, ma, mb, cu);
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
