/**
 * A state kept as a map of its non-zero amplitudes. Circuits that stay sparse (GHZ states,
 * oracles on basis states) then cost time in proportion to their non-zero amplitudes instead of
 * 2^n; the engine switches to the dense vector once a state stops being sparse.
 */
import { groupOffsets, rowTimes } from '../kernels/dense.js';
import type { Matrix2 } from '../ir/gates.js';
import type { DenseMatrix } from '../linalg/matrix-power.js';
import { StateVector } from './statevector.js';

/** Amplitudes smaller than this (squared) are dropped: they are rounding noise. */
const EPSILON = 1e-30;

/** A state as a map of its non-zero amplitudes. */
export class SparseState {
  /** index → [re, im] */
  readonly amps = new Map<number, [number, number]>([[0, [1, 0]]]);

  constructor(readonly numQubits: number) {}

  get size(): number {
    return this.amps.size;
  }

  /** `m` on `t` where all `cmask` bits are 1 and all `nmask` bits are 0. */
  applyU(m: Matrix2, t: number, cmask = 0, nmask = 0): void {
    const T = 1 << t;
    const bases = new Set<number>();
    for (const i of this.amps.keys()) {
      const b = i & ~T;
      if ((b & cmask) === cmask && (b & nmask) === 0) bases.add(b);
    }
    const ar = m[0] as number,
      ai = m[1] as number,
      br = m[2] as number,
      bi = m[3] as number;
    const cr = m[4] as number,
      ci = m[5] as number,
      dr = m[6] as number,
      di = m[7] as number;
    for (const b of bases) {
      const [xr, xi] = this.amps.get(b) ?? [0, 0];
      const [yr, yi] = this.amps.get(b | T) ?? [0, 0];
      this.put(b, ar * xr - ai * xi + br * yr - bi * yi, ar * xi + ai * xr + br * yi + bi * yr);
      this.put(b | T, cr * xr - ci * xi + dr * yr - di * yi, cr * xi + ci * xr + dr * yi + di * yr);
    }
  }

  /** Swap qubits `a` and `b` under the same control rule. */
  applySwap(a: number, b: number, cmask = 0, nmask = 0): void {
    const A = 1 << a;
    const B = 1 << b;
    const moves: [number, [number, number]][] = [];
    for (const [i, v] of this.amps) {
      if ((i & cmask) !== cmask || (i & nmask) !== 0) continue;
      if (((i & A) === 0) === ((i & B) === 0)) continue; // equal bits: unchanged
      moves.push([i ^ A ^ B, v]);
    }
    for (const [j] of moves) this.amps.delete(j ^ A ^ B);
    for (const [j, v] of moves) this.amps.set(j, v);
  }

  /** A 2^m × 2^m unitary `m` on `qubits` (dense.ts), under the same control rule. */
  applyDense(m: DenseMatrix, qubits: readonly number[], cmask = 0, nmask = 0): void {
    const off = groupOffsets(qubits);
    const size = off.length;
    const qmask = off[size - 1] as number;
    const bases = new Set<number>();
    for (const i of this.amps.keys()) {
      const b = i & ~qmask;
      if ((b & cmask) === cmask && (b & nmask) === 0) bases.add(b);
    }
    const xr = new Float64Array(size);
    const xi = new Float64Array(size);
    for (const b of bases) {
      for (let k = 0; k < size; k++) {
        const [r, i] = this.amps.get(b | (off[k] as number)) ?? [0, 0];
        xr[k] = r;
        xi[k] = i;
      }
      for (let r = 0; r < size; r++) {
        const [sr, si] = rowTimes(m, size, r, xr, xi);
        this.put(b | (off[r] as number), sr, si);
      }
    }
  }

  /** The same state as a dense vector. */
  toDense(): StateVector {
    const s = new StateVector(this.numQubits);
    s.re[0] = 0;
    for (const [i, [r, m]] of this.amps) {
      s.re[i] = r;
      s.im[i] = m;
    }
    return s;
  }

  /** The non-zero amplitudes in index order. */
  sorted(): { index: Uint32Array; re: Float64Array; im: Float64Array } {
    const index = Uint32Array.from(this.amps.keys()).sort();
    const re = new Float64Array(index.length);
    const im = new Float64Array(index.length);
    index.forEach((i, k) => {
      const [r, m] = this.amps.get(i) ?? [0, 0];
      re[k] = r;
      im[k] = m;
    });
    return { index, re, im };
  }

  private put(i: number, r: number, m: number): void {
    if (r * r + m * m < EPSILON) this.amps.delete(i);
    else this.amps.set(i, [r, m]);
  }
}
