/**
 * The density-matrix engine: ρ of n qubits stored as a vector of 2n qubits, element ρ[r, c] at
 * index r + c·2^n. A gate U maps ρ to UρU†, which on that vector is U on the low n qubits and
 * conj(U) on the high n: the statevector kernels do both, so every gate kind runs unchanged.
 * Noise channels act on ρ exactly (no sampling), so one pass gives the distribution that
 * trajectories would only approach with many shots. Memory is 4^n amplitudes: small registers
 * only (see DENSITY_MAX_QUBITS).
 */
import type { Unitary } from '../kernels/apply.js';
import { applyUnitaryTo } from '../kernels/apply.js';
import { conjugate } from '../linalg/matrix2.js';
import type { Bound } from '../ir/operation.js';
import { SimulationCancelledError } from '../errors.js';
import { pauliMasks, withPhase } from './observables.js';

/** 4^12 amplitudes take 256 MiB: the widest register a density matrix holds. */
export const DENSITY_MAX_QUBITS = 12;

/** The same operation on the column index: qubits shifted by n, matrices conjugated. */
function onColumns(op: Unitary, n: number): Unitary {
  const shift = 2 ** n;
  switch (op.kind) {
    case 'u':
      return {
        ...op,
        m: conjugate(op.m),
        target: op.target + n,
        cmask: op.cmask * shift,
        nmask: op.nmask * shift,
      };
    case 'pair':
      return {
        ...op,
        a: op.a + n,
        b: op.b + n,
        ma: op.ma && conjugate(op.ma),
        mb: op.mb && conjugate(op.mb),
        cu: op.cu && conjugate(op.cu),
      };
    case 'swap':
      return { ...op, a: op.a + n, b: op.b + n, cmask: op.cmask * shift, nmask: op.nmask * shift };
    case 'dense':
      return {
        ...op,
        qubits: op.qubits.map((q) => q + n),
        m: conjugate(op.m),
        cmask: op.cmask * shift,
        nmask: op.nmask * shift,
      };
  }
}

export class DensityMatrix {
  /** 2^n: rows (and columns). */
  readonly size: number;
  readonly re: Float64Array;
  readonly im: Float64Array;
  private readonly bases = new Map<string, Int32Array>();

  constructor(readonly numQubits: number) {
    if (numQubits > DENSITY_MAX_QUBITS)
      throw new Error(`a density matrix of ${numQubits} qubits is too large`);
    this.size = 2 ** numQubits;
    this.re = new Float64Array(this.size * this.size);
    this.im = new Float64Array(this.size * this.size);
    this.re[0] = 1;
  }

  /** ρ → UρU†. */
  apply(op: Unitary): void {
    const dim = this.size * this.size;
    applyUnitaryTo(this.re, this.im, dim, op);
    applyUnitaryTo(this.re, this.im, dim, onColumns(op, this.numQubits));
  }

  /**
   * Amplitude damping (|1⟩ decays with probability γ), then a Z with probability pZ: on the 2×2
   * block of qubit q, ρ00 += γ·ρ11, ρ11 ·= 1−γ, the coherences ·= √(1−γ)·(1−2pZ).
   */
  relax(q: number, gamma: number, pZ: number): void {
    const { re, im } = this;
    const coherence = Math.sqrt(1 - gamma) * (1 - 2 * pZ);
    const [row, col] = this.strides(q);
    for (const base of this.blockBases([q])) {
      const d1 = base + row + col;
      re[base] = (re[base] as number) + gamma * (re[d1] as number);
      im[base] = (im[base] as number) + gamma * (im[d1] as number);
      re[d1] = (re[d1] as number) * (1 - gamma);
      im[d1] = (im[d1] as number) * (1 - gamma);
      const a = base + row;
      const b = base + col;
      re[a] = (re[a] as number) * coherence;
      im[a] = (im[a] as number) * coherence;
      re[b] = (re[b] as number) * coherence;
      im[b] = (im[b] as number) * coherence;
    }
  }

  /** A Pauli channel on qubit q: X, Y, Z with probabilities px, py, pz. */
  pauli(q: number, px: number, py: number, pz: number): void {
    const { re, im } = this;
    const [row, col] = this.strides(q);
    // With ρ = [[a, b], [c, d]]: XρX = [[d, c], [b, a]], YρY = [[d, −c], [−b, a]] and
    // ZρZ = [[a, −b], [−c, d]]. So the populations mix by px + py, and the coherence b becomes
    // (pI − pz)·b + (px − py)·c.
    const flip = px + py;
    const keep = 1 - px - py - 2 * pz;
    const cross = px - py;
    for (const base of this.blockBases([q])) {
      const d0 = base;
      const d1 = base + row + col;
      const o01 = base + col; // ρ[0, 1]
      const o10 = base + row; // ρ[1, 0]
      const p0r = re[d0] as number;
      const p1r = re[d1] as number;
      re[d0] = (1 - flip) * p0r + flip * p1r;
      re[d1] = (1 - flip) * p1r + flip * p0r;
      const p0i = im[d0] as number;
      const p1i = im[d1] as number;
      im[d0] = (1 - flip) * p0i + flip * p1i;
      im[d1] = (1 - flip) * p1i + flip * p0i;
      const ar = re[o01] as number;
      const ai = im[o01] as number;
      const br = re[o10] as number;
      const bi = im[o10] as number;
      re[o01] = keep * ar + cross * br;
      im[o01] = keep * ai + cross * bi;
      re[o10] = keep * br + cross * ar;
      im[o10] = keep * bi + cross * ai;
    }
  }

  /**
   * Depolarizing with parameter p on `qubits`: ρ → (1−p)·ρ + p·(Tr_Q ρ) ⊗ I/d, the average over
   * a uniformly random Pauli on Q with chance p (the trajectory engine's 'depol').
   */
  depolarize(qubits: readonly number[], p: number): void {
    const { re, im, size } = this;
    const d = 1 << qubits.length;
    // Offsets of the d diagonal entries (row part = column part = k) and of all d² entries.
    const diagList: number[] = [];
    const allList: number[] = [];
    for (let r = 0; r < d; r++) {
      let rowOff = 0;
      qubits.forEach((q, j) => (rowOff += ((r >> j) & 1) << q));
      for (let c = 0; c < d; c++) {
        let colOff = 0;
        qubits.forEach((q, j) => (colOff += ((c >> j) & 1) << q));
        allList.push(rowOff + colOff * size);
        if (r === c) diagList.push(rowOff + colOff * size);
      }
    }
    const diag = Int32Array.from(diagList);
    const all = Int32Array.from(allList);
    const keep = 1 - p;
    for (const base of this.blockBases(qubits)) {
      let tr = 0;
      let ti = 0;
      for (let k = 0; k < d; k++) {
        const o = base + (diag[k] as number);
        tr += re[o] as number;
        ti += im[o] as number;
      }
      for (let k = 0; k < all.length; k++) {
        const o = base + (all[k] as number);
        re[o] = (re[o] as number) * keep;
        im[o] = (im[o] as number) * keep;
      }
      const addR = (p * tr) / d;
      const addI = (p * ti) / d;
      for (let k = 0; k < d; k++) {
        const o = base + (diag[k] as number);
        re[o] = (re[o] as number) + addR;
        im[o] = (im[o] as number) + addI;
      }
    }
  }

  /** Reset q to |0⟩: ρ00 += ρ11, and every entry with a 1 in q's row or column bit is cleared. */
  reset(q: number): void {
    const { re, im } = this;
    const [row, col] = this.strides(q);
    for (const base of this.blockBases([q])) {
      const d1 = base + row + col;
      re[base] = (re[base] as number) + (re[d1] as number);
      im[base] = (im[base] as number) + (im[d1] as number);
      re[base + row] = 0;
      im[base + row] = 0;
      re[base + col] = 0;
      im[base + col] = 0;
      re[d1] = 0;
      im[d1] = 0;
    }
  }

  /** The outcome distribution of measuring every qubit: the diagonal. */
  probabilities(): Float64Array {
    const out = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++)
      out[i] = Math.max(0, this.re[i * (this.size + 1)] as number);
    return out;
  }

  /** Tr(ρ): 1 up to rounding. */
  trace(): number {
    let t = 0;
    for (let i = 0; i < this.size; i++) t += this.re[i * (this.size + 1)] as number;
    return t;
  }

  /** Index steps of qubit q's bit in the row part and in the column part. */
  private strides(q: number): [number, number] {
    return [2 ** q, 2 ** (q + this.numQubits)];
  }

  /**
   * Indices with every Q bit 0 in both the row and the column part: one per block of entries
   * that differ only there. Cached per Q (a gate's pair recurs through a circuit).
   */
  private blockBases(qubits: readonly number[]): Int32Array {
    const key = qubits.join(',');
    const known = this.bases.get(key);
    if (known) return known;
    const at = [...qubits, ...qubits.map((q) => q + this.numQubits)].sort((a, b) => a - b);
    const out = new Int32Array((this.size * this.size) / 2 ** at.length);
    for (let k = 0; k < out.length; k++) {
      let base = k;
      for (const p of at) base = ((base >>> p) << (p + 1)) | (base & ((1 << p) - 1));
      out[k] = base;
    }
    this.bases.set(key, out);
    return out;
  }
}

/**
 * Run bound operations on a density matrix: gates, relaxation, depolarizing, Pauli channels and
 * resets. Measurements are left to the caller (only terminal ones are allowed here).
 */
export function evolveDensity(
  rho: DensityMatrix,
  ops: readonly Bound[],
  shouldStop?: () => boolean,
): void {
  for (const op of ops) {
    if (shouldStop?.()) throw new SimulationCancelledError();
    switch (op.kind) {
      case 'relax':
        rho.relax(op.qubit, op.gamma, op.pZ);
        break;
      case 'depol':
        rho.depolarize(op.qubits, op.p);
        break;
      case 'pauli':
        rho.pauli(op.qubit, op.px, op.py, op.pz);
        break;
      case 'reset':
        rho.reset(op.qubit);
        break;
      case 'measure':
        break;
      case 'if':
      case 'while':
      case 'store':
        throw new Error('a density matrix holds no classical values');
      default:
        rho.apply(op);
    }
  }
}

/** Tr(Pρ) for one Pauli string (little-endian labels, as observables.ts). */
export function densityPauliExpectation(rho: DensityMatrix, label: string): number {
  const { x, z, ys } = pauliMasks(label);
  // P|j⟩ = i^ys (−1)^popcount(j∧z) |j⊕x⟩, so Tr(Pρ) = Σ_j i^ys (−1)^… ρ[j, j⊕x].
  const { re, im, size } = rho;
  let sr = 0;
  let si = 0;
  for (let j = 0; j < size; j++) {
    let sign = 1;
    for (let b = j & z; b; b &= b - 1) sign = -sign;
    const at = j + (j ^ x) * size;
    sr += sign * (re[at] as number);
    si += sign * (im[at] as number);
  }
  return withPhase(ys, sr, si);
}
