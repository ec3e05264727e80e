/**
 * The inner loops of the statevector engine, on split real/imaginary arrays, in place. Each
 * kernel visits only the amplitudes its gate mixes, in index order (so memory streams), and
 * keeps the gate's matrix entries in locals. A matrix is [re00, im00, re01, im01, re10, im10,
 * re11, im11]. Indices are 32-bit integers: at most 30 qubits.
 */
import type { Matrix2 } from './gates.js';

const IDENTITY: Matrix2 = Float64Array.from([1, 0, 0, 0, 0, 0, 1, 0]);

/** Whether a matrix only has diagonal entries (phases): those gates never mix amplitudes. */
export const isDiagonal = (m: Matrix2): boolean =>
  m[2] === 0 && m[3] === 0 && m[4] === 0 && m[5] === 0;

/** An uncontrolled single-qubit gate on `t`. */
export function apply1(
  re: Float64Array,
  im: Float64Array,
  dim: number,
  t: number,
  m: Matrix2,
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
  if (isDiagonal(m)) {
    for (let base = 0; base < dim; base += 2 * s) {
      for (let i = base; i < base + s; i++) {
        const xr = re[i] as number;
        const xi = im[i] as number;
        re[i] = ar * xr - ai * xi;
        im[i] = ar * xi + ai * xr;
        const j = i + s;
        const yr = re[j] as number;
        const yi = im[j] as number;
        re[j] = dr * yr - di * yi;
        im[j] = dr * yi + di * yr;
      }
    }
    return;
  }
  for (let base = 0; base < dim; base += 2 * s) {
    for (let i = base; i < base + s; i++) {
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

/**
 * Optional single-qubit gates `ma` on `a` and `mb` on `b`, then an optional controlled gate `cu`
 * (control `a`, target `b`), in one pass over each quadruple of amplitudes. This is how a CX and
 * the rotations before it cost one sweep of the state instead of three.
 */
export function applyPair(
  re: Float64Array,
  im: Float64Array,
  dim: number,
  a: number,
  b: number,
  ma: Matrix2 | null,
  mb: Matrix2 | null,
  cu: Matrix2 | null,
): void {
  if (ma === null && mb === null) {
    if (cu !== null) applyControlled(re, im, dim, a, b, cu);
    return;
  }
  const A = 1 << a;
  const B = 1 << b;
  const lo = Math.min(A, B);
  const hi = Math.max(A, B);
  // Plain locals rather than destructuring with defaults: under a TypeScript loader the latter
  // left the loop working on boxed values, twice as slow.
  const A_ = ma ?? IDENTITY;
  const B_ = mb ?? IDENTITY;
  const C_ = cu ?? IDENTITY;
  const aar = A_[0] as number,
    aai = A_[1] as number,
    abr = A_[2] as number,
    abi = A_[3] as number;
  const acr = A_[4] as number,
    aci = A_[5] as number,
    adr = A_[6] as number,
    adi = A_[7] as number;
  const bar = B_[0] as number,
    bai = B_[1] as number,
    bbr = B_[2] as number,
    bbi = B_[3] as number;
  const bcr = B_[4] as number,
    bci = B_[5] as number,
    bdr = B_[6] as number,
    bdi = B_[7] as number;
  const car = C_[0] as number,
    cai = C_[1] as number,
    cbr = C_[2] as number,
    cbi = C_[3] as number;
  const ccr = C_[4] as number,
    cci = C_[5] as number,
    cdr = C_[6] as number,
    cdi = C_[7] as number;
  const doA = ma !== null;
  const doB = mb !== null;
  const doC = cu !== null;
  for (let h = 0; h < dim; h += 2 * hi) {
    for (let l = h; l < h + hi; l += 2 * lo) {
      for (let i = l; i < l + lo; i++) {
        const i01 = i + B;
        const i10 = i + A;
        const i11 = i10 + B;
        let r00 = re[i] as number;
        let m00 = im[i] as number;
        let r01 = re[i01] as number;
        let m01 = im[i01] as number;
        let r10 = re[i10] as number;
        let m10 = im[i10] as number;
        let r11 = re[i11] as number;
        let m11 = im[i11] as number;
        let tr: number;
        let ti: number;
        if (doA) {
          // pairs differing in bit a: (00, 10) and (01, 11)
          tr = aar * r00 - aai * m00 + abr * r10 - abi * m10;
          ti = aar * m00 + aai * r00 + abr * m10 + abi * r10;
          const n10r = acr * r00 - aci * m00 + adr * r10 - adi * m10;
          const n10i = acr * m00 + aci * r00 + adr * m10 + adi * r10;
          r00 = tr;
          m00 = ti;
          r10 = n10r;
          m10 = n10i;
          tr = aar * r01 - aai * m01 + abr * r11 - abi * m11;
          ti = aar * m01 + aai * r01 + abr * m11 + abi * r11;
          const n11r = acr * r01 - aci * m01 + adr * r11 - adi * m11;
          const n11i = acr * m01 + aci * r01 + adr * m11 + adi * r11;
          r01 = tr;
          m01 = ti;
          r11 = n11r;
          m11 = n11i;
        }
        if (doB) {
          // pairs differing in bit b: (00, 01) and (10, 11)
          tr = bar * r00 - bai * m00 + bbr * r01 - bbi * m01;
          ti = bar * m00 + bai * r00 + bbr * m01 + bbi * r01;
          const nr01 = bcr * r00 - bci * m00 + bdr * r01 - bdi * m01;
          const nm01 = bcr * m00 + bci * r00 + bdr * m01 + bdi * r01;
          r00 = tr;
          m00 = ti;
          r01 = nr01;
          m01 = nm01;
          tr = bar * r10 - bai * m10 + bbr * r11 - bbi * m11;
          ti = bar * m10 + bai * r10 + bbr * m11 + bbi * r11;
          const nr11 = bcr * r10 - bci * m10 + bdr * r11 - bdi * m11;
          const nm11 = bcr * m10 + bci * r10 + bdr * m11 + bdi * r11;
          r10 = tr;
          m10 = ti;
          r11 = nr11;
          m11 = nm11;
        }
        if (doC) {
          // control a = 1: the pair (10, 11)
          tr = car * r10 - cai * m10 + cbr * r11 - cbi * m11;
          ti = car * m10 + cai * r10 + cbr * m11 + cbi * r11;
          const nr11 = ccr * r10 - cci * m10 + cdr * r11 - cdi * m11;
          const nm11 = ccr * m10 + cci * r10 + cdr * m11 + cdi * r11;
          r10 = tr;
          m10 = ti;
          r11 = nr11;
          m11 = nm11;
        }
        re[i] = r00;
        im[i] = m00;
        re[i01] = r01;
        im[i01] = m01;
        re[i10] = r10;
        im[i10] = m10;
        re[i11] = r11;
        im[i11] = m11;
      }
    }
  }
}

const isX = (m: Matrix2): boolean =>
  m[0] === 0 &&
  m[1] === 0 &&
  m[2] === 1 &&
  m[3] === 0 &&
  m[4] === 1 &&
  m[5] === 0 &&
  m[6] === 0 &&
  m[7] === 0;

/** `m` on `t` where qubit `c` is 1: only half the state is touched; a CX only swaps. */
function applyControlled(
  re: Float64Array,
  im: Float64Array,
  dim: number,
  c: number,
  t: number,
  m: Matrix2,
): void {
  const C = 1 << c;
  const T = 1 << t;
  const lo = Math.min(C, T);
  const hi = Math.max(C, T);
  const x = isX(m);
  const ar = m[0] as number,
    ai = m[1] as number,
    br = m[2] as number,
    bi = m[3] as number;
  const cr = m[4] as number,
    ci = m[5] as number,
    dr = m[6] as number,
    di = m[7] as number;
  for (let h = 0; h < dim; h += 2 * hi) {
    for (let l = h; l < h + hi; l += 2 * lo) {
      for (let k = l; k < l + lo; k++) {
        const i = k + C;
        const j = i + T;
        const xr = re[i] as number;
        const xi = im[i] as number;
        const yr = re[j] as number;
        const yi = im[j] as number;
        if (x) {
          re[i] = yr;
          im[i] = yi;
          re[j] = xr;
          im[j] = xi;
        } else {
          re[i] = ar * xr - ai * xi + br * yr - bi * yi;
          im[i] = ar * xi + ai * xr + br * yi + bi * yr;
          re[j] = cr * xr - ci * xi + dr * yr - di * yi;
          im[j] = cr * xi + ci * xr + dr * yi + di * yr;
        }
      }
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
  for (let base = 0; base < dim; base += 2 * s) {
    for (let i = base; i < base + s; i++) {
      if ((i & cmask) !== cmask || (i & nmask) !== 0) continue;
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
