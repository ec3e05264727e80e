/**
 * Generated kernels. Sweeping the state costs about a nanosecond per amplitude in loads, stores
 * and loop work, plus the arithmetic, which dominates for a general complex 2×2 (28 flops a pair)
 * but is under half of that for the usual gates (h, ry: real; rx; rz: diagonal). A fused sweep
 * (two single-qubit gates and a controlled gate on one pair of qubits) combines three matrices
 * whose shapes vary gate by gate. Writing every combination by hand would be 100 loops, and a
 * branch on the shape inside the loop costs what it saves; so each combination that occurs is
 * generated once from the per-shape snippets below, compiled by the engine, and cached.
 * Only shape codes (never user input) go into the generated source.
 */
import type { Matrix2 } from '../ir/gates.js';
import { Shape } from './kernels.js';

/** A matrix slot that is absent (no gate). */
export const NONE = -1;

/** The locals a matrix slot `p` reads: p0…p7 are its entries. */
const locals = (p: string): string =>
  Array.from({ length: 8 }, (_, k) => `const ${p}${k} = ${p}[${k}];`).join('\n');

/**
 * Code that applies matrix slot `p` (shape `shape`) to the amplitude pair (x, y), held in the
 * locals r<x>, m<x>, r<y>, m<y> (real and imaginary parts).
 */
function mix(shape: number, p: string, x: string, y: string): string {
  const [rx, mx, ry, my] = [`r${x}`, `m${x}`, `r${y}`, `m${y}`];
  switch (shape) {
    case Shape.General:
      return `t1 = ${p}0*${rx} - ${p}1*${mx} + ${p}2*${ry} - ${p}3*${my};
        t2 = ${p}0*${mx} + ${p}1*${rx} + ${p}2*${my} + ${p}3*${ry};
        t3 = ${p}4*${rx} - ${p}5*${mx} + ${p}6*${ry} - ${p}7*${my};
        ${my} = ${p}4*${mx} + ${p}5*${rx} + ${p}6*${my} + ${p}7*${ry};
        ${rx} = t1; ${mx} = t2; ${ry} = t3;`;
    case Shape.Diagonal:
      return `t1 = ${p}0*${rx} - ${p}1*${mx}; ${mx} = ${p}0*${mx} + ${p}1*${rx}; ${rx} = t1;
        t1 = ${p}6*${ry} - ${p}7*${my}; ${my} = ${p}6*${my} + ${p}7*${ry}; ${ry} = t1;`;
    case Shape.Phase:
      return `t1 = ${p}6*${ry} - ${p}7*${my}; ${my} = ${p}6*${my} + ${p}7*${ry}; ${ry} = t1;`;
    case Shape.Real:
      return `t1 = ${p}0*${rx} + ${p}2*${ry}; t2 = ${p}0*${mx} + ${p}2*${my};
        ${ry} = ${p}4*${rx} + ${p}6*${ry}; ${my} = ${p}4*${mx} + ${p}6*${my};
        ${rx} = t1; ${mx} = t2;`;
    case Shape.RxLike:
      return `t1 = ${p}0*${rx} - ${p}3*${my}; t2 = ${p}0*${mx} + ${p}3*${ry};
        t3 = ${p}6*${ry} - ${p}5*${mx}; ${my} = ${p}6*${my} + ${p}5*${rx};
        ${rx} = t1; ${mx} = t2; ${ry} = t3;`;
    case Shape.Flip:
      return `t1 = ${rx}; ${rx} = ${ry}; ${ry} = t1; t1 = ${mx}; ${mx} = ${my}; ${my} = t1;`;
    default:
      return '';
  }
}

/**
 * `ma` on qubit a and `mb` on qubit b (either may be absent), then `mc` on b where a is 1, in one
 * pass over each quadruple of amplitudes (00, 01, 10, 11 in bits a, b).
 */
export type PairKernel = (
  re: Float64Array,
  im: Float64Array,
  dim: number,
  a: number,
  b: number,
  ma: Matrix2 | null,
  mb: Matrix2 | null,
  mc: Matrix2 | null,
) => void;

function pairSource(sa: number, sb: number, sc: number): string {
  return `
    const A = 1 << a, B = 1 << b, lo = Math.min(A, B), hi = Math.max(A, B);
    ${sa === NONE ? '' : locals('ma')}
    ${sb === NONE ? '' : locals('mb')}
    ${sc === NONE ? '' : locals('mc')}
    let t1 = 0, t2 = 0, t3 = 0;
    for (let h = 0; h < dim; h += 2 * hi) {
      for (let l = h; l < h + hi; l += 2 * lo) {
        for (let i = l; i < l + lo; i++) {
          const i01 = i + B, i10 = i + A, i11 = i10 + B;
          let r00 = re[i], m00 = im[i], r01 = re[i01], m01 = im[i01];
          let r10 = re[i10], m10 = im[i10], r11 = re[i11], m11 = im[i11];
          ${mix(sa, 'ma', '00', '10')}
          ${mix(sa, 'ma', '01', '11')}
          ${mix(sb, 'mb', '00', '01')}
          ${mix(sb, 'mb', '10', '11')}
          ${mix(sc, 'mc', '10', '11')}
          re[i] = r00; im[i] = m00; re[i01] = r01; im[i01] = m01;
          re[i10] = r10; im[i10] = m10; re[i11] = r11; im[i11] = m11;
        }
      }
    }`;
}

/** One-qubit gate `m` on `t` (where every `cmask` bit is 1), over the pairs (i, i + 2^t). */
export type SingleKernel = (
  re: Float64Array,
  im: Float64Array,
  dim: number,
  t: number,
  m: Matrix2,
  cmask: number,
) => void;

function singleSource(shape: number, controlled: boolean): string {
  return `
    const s = 1 << t;
    ${locals('m')}
    let t1 = 0, t2 = 0, t3 = 0;
    for (let base = 0; base < dim; base += 2 * s) {
      for (let i = base; i < base + s; i++) {
        ${controlled ? 'if ((i & cmask) !== cmask) continue;' : ''}
        const j = i + s;
        let rx = re[i], mx = im[i], ry = re[j], my = im[j];
        ${mix(shape, 'm', 'x', 'y')}
        re[i] = rx; im[i] = mx; re[j] = ry; im[j] = my;
      }
    }`;
}

const cache = new Map<string, unknown>();

function compiled<T>(key: string, params: readonly string[], body: () => string): T {
  let fn = cache.get(key);
  if (!fn) {
    fn = new Function(...params, body());
    cache.set(key, fn);
  }
  return fn as T;
}

/** The pair kernel for these matrix shapes (NONE for an absent matrix). */
export function pairKernel(sa: number, sb: number, sc: number): PairKernel {
  return compiled(`pair ${sa} ${sb} ${sc}`, ['re', 'im', 'dim', 'a', 'b', 'ma', 'mb', 'mc'], () =>
    pairSource(sa, sb, sc),
  );
}

/** The one-qubit kernel for this shape, with or without a control mask. */
export function singleKernel(shape: number, controlled: boolean): SingleKernel {
  return compiled(`single ${shape} ${controlled}`, ['re', 'im', 'dim', 't', 'm', 'cmask'], () =>
    singleSource(shape, controlled),
  );
}
