/**
 * Non-integer powers of small unitaries (2×2 to 8×8), as OpenQASM 3 and Qiskit define
 * `pow(k) @`: U = V·diag(λ)·V†, and U^k = V·diag(λ^k)·V† with λ = e^{iφ} on the principal
 * branch, φ in (−π, π].
 *
 * A unitary is normal, so its eigenvectors are those of the Hermitian matrix
 * H = (U + U†)/2 + c·(U − U†)/(2i), whose eigenvalues are Re λ + c·Im λ. Hermitian matrices
 * diagonalise reliably with Jacobi rotations, which need no general eigen-solver. For an
 * irrational c two different λ rarely give the same Re λ + c·Im λ; when they do, the eigenvectors
 * come out mixed, the reconstruction check fails, and another c is tried.
 */

/** An n×n complex matrix, row-major, real and imaginary parts interleaved (as Matrix2 is). */
export type DenseMatrix = Float64Array;

/** Constants c tried in turn for H (irrational, unrelated to each other). */
export const MIXERS: readonly number[] = [
  Math.SQRT2 - 1,
  Math.PI / 7,
  Math.E / 5,
  Math.sqrt(3) / 11,
];
/** Largest entry-wise error accepted in V·diag(λ)·V† against U. */
const RECONSTRUCTION_TOLERANCE = 1e-9;
/** Phases this close to −π are taken as π: −1 stays on the principal branch's closed end. */
const BRANCH_CUT_SLACK = 1e-12;

/** U^k on the principal branch, for a unitary U of size n×n. */
export function unitaryPower(u: DenseMatrix, n: number, k: number): DenseMatrix {
  const { vectors, values } = eigenUnitary(u, n);
  const powRe = new Float64Array(n);
  const powIm = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let phi = Math.atan2(values[2 * j + 1] as number, values[2 * j] as number);
    // atan2 gives −π for −1 with a rounding-error negative imaginary part; numpy and Qiskit take
    // X^0.5 as SX, which is the eigenvalue −1 at phase +π.
    if (phi < -Math.PI + BRANCH_CUT_SLACK) phi = Math.PI;
    powRe[j] = Math.cos(k * phi);
    powIm[j] = Math.sin(k * phi);
  }
  return compose(vectors, powRe, powIm, n);
}

/** Conjugate transpose of an n×n matrix. */
export function adjoint(a: DenseMatrix, n: number): DenseMatrix {
  const out = new Float64Array(2 * n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      out[2 * (c * n + r)] = a[2 * (r * n + c)] as number;
      out[2 * (c * n + r) + 1] = -(a[2 * (r * n + c) + 1] as number);
    }
  }
  return out;
}

/**
 * Eigenvectors (the columns of `vectors`, unitary) and eigenvalues (interleaved re/im) of a
 * unitary. Throws when no mixer reconstructs U, which would mean U is not unitary.
 */
export function eigenUnitary(
  u: DenseMatrix,
  n: number,
): { vectors: DenseMatrix; values: Float64Array } {
  const ud = adjoint(u, n);
  for (const c of MIXERS) {
    // H = (U + U†)/2 + c·(U − U†)/(2i); (a + bi)/(2i) = (b − ai)/2.
    const h = new Float64Array(2 * n * n);
    for (let i = 0; i < n * n; i++) {
      const sr = (u[2 * i] as number) + (ud[2 * i] as number);
      const si = (u[2 * i + 1] as number) + (ud[2 * i + 1] as number);
      const dr = (u[2 * i] as number) - (ud[2 * i] as number);
      const di = (u[2 * i + 1] as number) - (ud[2 * i + 1] as number);
      h[2 * i] = sr / 2 + (c * di) / 2;
      h[2 * i + 1] = si / 2 - (c * dr) / 2;
    }
    const vectors = jacobi(h, n);
    const values = new Float64Array(2 * n);
    for (let j = 0; j < n; j++) {
      // λ_j = v_j† U v_j
      let re = 0;
      let im = 0;
      for (let r = 0; r < n; r++) {
        let ur = 0;
        let ui = 0;
        for (let s = 0; s < n; s++) {
          const ar = u[2 * (r * n + s)] as number;
          const ai = u[2 * (r * n + s) + 1] as number;
          const vr = vectors[2 * (s * n + j)] as number;
          const vi = vectors[2 * (s * n + j) + 1] as number;
          ur += ar * vr - ai * vi;
          ui += ar * vi + ai * vr;
        }
        const wr = vectors[2 * (r * n + j)] as number;
        const wi = vectors[2 * (r * n + j) + 1] as number;
        re += wr * ur + wi * ui;
        im += wr * ui - wi * ur;
      }
      values[2 * j] = re;
      values[2 * j + 1] = im;
    }
    const back = compose(vectors, ...split(values, n), n);
    let worst = 0;
    for (let i = 0; i < 2 * n * n; i++)
      worst = Math.max(worst, Math.abs((back[i] as number) - (u[i] as number)));
    if (worst < RECONSTRUCTION_TOLERANCE) return { vectors, values };
  }
  throw new Error('pow @: the gate matrix is not unitary');
}

function split(values: Float64Array, n: number): [Float64Array, Float64Array] {
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    re[j] = values[2 * j] as number;
    im[j] = values[2 * j + 1] as number;
  }
  return [re, im];
}

/** V·diag(d)·V†. */
function compose(v: DenseMatrix, dRe: Float64Array, dIm: Float64Array, n: number): DenseMatrix {
  const out = new Float64Array(2 * n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let re = 0;
      let im = 0;
      for (let j = 0; j < n; j++) {
        // V[r][j] · d[j] · conj(V[c][j])
        const ar = v[2 * (r * n + j)] as number;
        const ai = v[2 * (r * n + j) + 1] as number;
        const br = v[2 * (c * n + j)] as number;
        const bi = -(v[2 * (c * n + j) + 1] as number);
        const xr = ar * (dRe[j] as number) - ai * (dIm[j] as number);
        const xi = ar * (dIm[j] as number) + ai * (dRe[j] as number);
        re += xr * br - xi * bi;
        im += xr * bi + xi * br;
      }
      out[2 * (r * n + c)] = re;
      out[2 * (r * n + c) + 1] = im;
    }
  }
  return out;
}

/**
 * Cyclic Jacobi for a Hermitian matrix (overwritten): the unitary V whose columns are its
 * eigenvectors. Each rotation J = P·R first turns h_pq real with a phase P on column q, then
 * zeroes it with a real rotation R, as for a real symmetric matrix; H ← J†HJ and V ← VJ.
 */
function jacobi(h: DenseMatrix, n: number): DenseMatrix {
  const v = new Float64Array(2 * n * n);
  for (let i = 0; i < n; i++) v[2 * (i * n + i)] = 1;
  let scale = 0;
  for (let i = 0; i < 2 * n * n; i++) scale += (h[i] as number) ** 2;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++)
      for (let q = 0; q < n; q++)
        if (p !== q)
          off += (h[2 * (p * n + q)] as number) ** 2 + (h[2 * (p * n + q) + 1] as number) ** 2;
    if (off <= 1e-30 * scale) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const hr = h[2 * (p * n + q)] as number;
        const hi = h[2 * (p * n + q) + 1] as number;
        const mag = Math.hypot(hr, hi);
        if (mag === 0) continue;
        // e^{−iα} with h_pq = |h_pq|·e^{iα}
        const er = hr / mag;
        const ei = -hi / mag;
        const tau = ((h[2 * (q * n + q)] as number) - (h[2 * (p * n + p)] as number)) / (2 * mag);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        // J: J_pp = c, J_pq = s, J_qp = −s·e^{−iα}, J_qq = c·e^{−iα}
        const j = [c, 0, s, 0, -s * er, -s * ei, c * er, c * ei];
        rotateColumns(h, n, p, q, j);
        rotateRows(h, n, p, q, j);
        rotateColumns(v, n, p, q, j);
      }
    }
  }
  return v;
}

/** A ← A·J, where J is the identity but for [[j0+i·j1, j2+i·j3], [j4+i·j5, j6+i·j7]] at p, q. */
function rotateColumns(a: DenseMatrix, n: number, p: number, q: number, j: number[]): void {
  const [pr = 0, pi = 0, qr = 0, qi = 0, rr = 0, ri = 0, sr = 0, si = 0] = j;
  for (let r = 0; r < n; r++) {
    const xr = a[2 * (r * n + p)] as number;
    const xi = a[2 * (r * n + p) + 1] as number;
    const yr = a[2 * (r * n + q)] as number;
    const yi = a[2 * (r * n + q) + 1] as number;
    // new A_rp = A_rp·J_pp + A_rq·J_qp; new A_rq = A_rp·J_pq + A_rq·J_qq
    a[2 * (r * n + p)] = xr * pr - xi * pi + yr * rr - yi * ri;
    a[2 * (r * n + p) + 1] = xr * pi + xi * pr + yr * ri + yi * rr;
    a[2 * (r * n + q)] = xr * qr - xi * qi + yr * sr - yi * si;
    a[2 * (r * n + q) + 1] = xr * qi + xi * qr + yr * si + yi * sr;
  }
}

/** A ← J†·A, with J as in rotateColumns. */
function rotateRows(a: DenseMatrix, n: number, p: number, q: number, j: number[]): void {
  const [pr = 0, pi = 0, qr = 0, qi = 0, rr = 0, ri = 0, sr = 0, si = 0] = j;
  for (let c = 0; c < n; c++) {
    const xr = a[2 * (p * n + c)] as number;
    const xi = a[2 * (p * n + c) + 1] as number;
    const yr = a[2 * (q * n + c)] as number;
    const yi = a[2 * (q * n + c) + 1] as number;
    // new A_pc = conj(J_pp)·A_pc + conj(J_qp)·A_qc; new A_qc = conj(J_pq)·A_pc + conj(J_qq)·A_qc
    a[2 * (p * n + c)] = pr * xr + pi * xi + rr * yr + ri * yi;
    a[2 * (p * n + c) + 1] = pr * xi - pi * xr + rr * yi - ri * yr;
    a[2 * (q * n + c)] = qr * xr + qi * xi + sr * yr + si * yi;
    a[2 * (q * n + c) + 1] = qr * xi - qi * xr + sr * yi - si * yr;
  }
}
