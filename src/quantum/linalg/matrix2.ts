/** 2×2 complex matrices (row-major, interleaved re/im): products and conjugates. */

/** A 2×2 complex matrix, row-major, interleaved: [re00, im00, re01, im01, re10, im10, re11, im11]. */
export type Matrix2 = Float64Array;

/** b·a (apply a, then b). */
export function multiply(b: Matrix2, a: Matrix2): Matrix2 {
  const out = new Float64Array(8);
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 2; c++) {
      let re = 0;
      let im = 0;
      for (let k = 0; k < 2; k++) {
        const xr = b[(r * 2 + k) * 2] ?? 0;
        const xi = b[(r * 2 + k) * 2 + 1] ?? 0;
        const yr = a[(k * 2 + c) * 2] ?? 0;
        const yi = a[(k * 2 + c) * 2 + 1] ?? 0;
        re += xr * yr - xi * yi;
        im += xr * yi + xi * yr;
      }
      out[(r * 2 + c) * 2] = re;
      out[(r * 2 + c) * 2 + 1] = im;
    }
  }
  return out;
}

/** Element-wise complex conjugate (any interleaved matrix). */
export const conjugate = (m: Float64Array): Float64Array => m.map((v, i) => (i % 2 ? -v : v));
