/**
 * A dense unitary on a few qubits (2^m × 2^m, m ≤ 3): what a non-integer `pow(k) @` of a
 * multi-qubit gate becomes. It has no structure to exploit, and such gates are rare, so the
 * kernel is plain: gather the 2^m amplitudes of each group, multiply, scatter.
 */
import type { DenseMatrix } from '../linalg/matrix-power.js';

/** Offsets of the 2^m amplitudes of a group: local index bit j is qubit qubits[j]. */
export function groupOffsets(qubits: readonly number[]): Int32Array {
  const out = new Int32Array(1 << qubits.length);
  for (let v = 0; v < out.length; v++) {
    let idx = 0;
    qubits.forEach((q, j) => {
      if ((v >> j) & 1) idx |= 1 << q;
    });
    out[v] = idx;
  }
  return out;
}

/**
 * Row `r` of `m` (size × size, interleaved re/im) times the vector (xr, xi): [re, im]. Both
 * engines gather a group's amplitudes into (xr, xi) and write each row's product back.
 */
export function rowTimes(
  m: DenseMatrix,
  size: number,
  r: number,
  xr: Float64Array,
  xi: Float64Array,
): [number, number] {
  let sr = 0;
  let si = 0;
  for (let c = 0; c < size; c++) {
    const ar = m[2 * (r * size + c)] as number;
    const ai = m[2 * (r * size + c) + 1] as number;
    sr += ar * (xr[c] as number) - ai * (xi[c] as number);
    si += ar * (xi[c] as number) + ai * (xr[c] as number);
  }
  return [sr, si];
}

/** `m` on `qubits` where all `cmask` bits are 1 and all `nmask` bits are 0. */
export function applyDense(
  re: Float64Array,
  im: Float64Array,
  dim: number,
  qubits: readonly number[],
  m: DenseMatrix,
  cmask: number,
  nmask: number,
): void {
  const off = groupOffsets(qubits);
  const size = off.length;
  const qmask = off[size - 1] as number;
  const test = cmask | nmask | qmask;
  const xr = new Float64Array(size);
  const xi = new Float64Array(size);
  for (let base = 0; base < dim; base++) {
    // Each group is visited from its member with every target bit 0.
    if ((base & test) !== cmask) continue;
    for (let k = 0; k < size; k++) {
      xr[k] = re[base + (off[k] as number)] as number;
      xi[k] = im[base + (off[k] as number)] as number;
    }
    for (let r = 0; r < size; r++) {
      const [sr, si] = rowTimes(m, size, r, xr, xi);
      re[base + (off[r] as number)] = sr;
      im[base + (off[r] as number)] = si;
    }
  }
}
