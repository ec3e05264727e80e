/**
 * The statevector engine: amplitudes in two Float64Arrays (real, imaginary), gates applied in
 * place on the amplitudes they mix (kernels.ts), never as full-space matrices.
 */
import { type Unitary, applyUnitaryTo } from '../kernels/apply.js';
import { simulationThreads, stateArray } from './tile-threads.js';
import { TILE_MIN_QUBITS } from './tiles.js';

/** A dense state of `numQubits` qubits, starting in |0…0⟩. */
export class StateVector {
  readonly dim: number;
  readonly re: Float64Array;
  readonly im: Float64Array;

  constructor(
    readonly numQubits: number,
    from?: StateVector,
  ) {
    this.dim = 2 ** numQubits;
    // A state large enough to be tiled lives in shared memory when helper threads may run its
    // tiles (tile-threads.ts).
    const shared = simulationThreads() > 1 && numQubits >= TILE_MIN_QUBITS;
    this.re = stateArray(this.dim, shared);
    this.im = stateArray(this.dim, shared);
    if (from) {
      this.re.set(from.re);
      this.im.set(from.im);
    } else this.re[0] = 1;
  }

  clone(): StateVector {
    return new StateVector(this.numQubits, this);
  }

  /** Apply a bound unitary operation. */
  apply(op: Unitary): void {
    applyUnitaryTo(this.re, this.im, this.dim, op);
  }

  /** Probability that measuring `q` gives 1. */
  probabilityOne(q: number): number {
    const { re, im, dim } = this;
    const s = 1 << q;
    let p = 0;
    for (let base = s; base < dim; base += 2 * s) {
      for (let i = base; i < base + s; i++) {
        const r = re[i] as number;
        const m = im[i] as number;
        p += r * r + m * m;
      }
    }
    return p;
  }

  /** Project `q` onto `outcome` (whose probability is `p`) and renormalise. */
  collapse(q: number, outcome: 0 | 1, p: number): void {
    const { re, im, dim } = this;
    const s = 1 << q;
    const scale = p > 0 ? 1 / Math.sqrt(p) : 0;
    // Half the pairs' members are zeroed, the other half scaled.
    const keep = outcome === 1 ? s : 0;
    for (let base = 0; base < dim; base += 2 * s) {
      for (let i = base; i < base + s; i++) {
        const k = i + keep;
        const z = i + s - keep;
        re[k] = (re[k] as number) * scale;
        im[k] = (im[k] as number) * scale;
        re[z] = 0;
        im[z] = 0;
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
