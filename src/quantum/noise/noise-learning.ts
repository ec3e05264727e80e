/**
 * What a noise-learning experiment measures, given the exact rates: the protocol of van den
 * Berg et al. (2023), as IBM's NoiseLearner runs it, with its shot noise. For each Pauli Q of the
 * layer's model, the twirled layer is repeated 2d times for every depth d of `layer_pair_depths`
 * and ⟨Q⟩ is read with N = num_randomizations × shots_per_randomization shots: its mean is
 * A_Q·f(Q)^{2d} (A_Q: the readout's attenuation). A weighted fit of ln⟨Q⟩ against 2d gives
 * ln f(Q); the rates solve −ln f(Q)/2 = Σ_{k anticommuting} λ_k by least squares, negative
 * estimates set to 0. Their standard errors follow from the fits, propagated through the solve.
 */
import { type SparsePauli, anticommutes, fidelity } from './pauli-lindblad.js';
import { QuantumInputError } from '../errors.js';
import { type Rng, binomial } from '../rng.js';

export interface LearningPlan {
  /** Shots per measured Pauli and depth. */
  readonly shots: number;
  /** Layer pairs: the layer runs 2d times. */
  readonly depths: readonly number[];
}

export interface Learned {
  readonly rates: Float64Array;
  readonly stds: Float64Array;
}

/** The rates an experiment with `plan` would learn, from the exact ones. */
export function learnRates(
  generators: readonly SparsePauli[],
  exact: readonly number[],
  spam: (q: SparsePauli) => number,
  plan: LearningPlan,
  rng: Rng,
): Learned {
  const n = generators.length;
  const b = new Float64Array(n);
  const varB = new Float64Array(n);
  generators.forEach((q, i) => {
    const f = fidelity(q, generators, exact);
    const a = spam(q);
    const points: { x: number; y: number; w: number }[] = [];
    for (const d of plan.depths) {
      const mean = a * f ** (2 * d);
      const ones = binomial(plan.shots, Math.min(1, Math.max(0, (1 + mean) / 2)), rng);
      const e = (2 * ones) / plan.shots - 1;
      // ln⟨Q⟩ has variance (1 − E²)/(N·E²); a point with no signal left carries none.
      if (!(e > 2 / Math.sqrt(plan.shots))) continue;
      points.push({
        x: 2 * d,
        y: Math.log(e),
        w: (plan.shots * e * e) / Math.max(1 - e * e, 1 / plan.shots),
      });
    }
    const fit = slope(points);
    if (!fit)
      throw new QuantumInputError(
        `the layer's noise decays too fast to be learned at layer_pair_depths ${plan.depths.join(', ')}: give smaller depths`,
      );
    b[i] = -fit.slope / 2;
    varB[i] = fit.variance / 4;
  });
  const m = generators.map((q) => generators.map((g) => (anticommutes(q, g) ? 1 : 0)));
  const inverse = invert(m);
  const rates = new Float64Array(n);
  const stds = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let r = 0;
    let v = 0;
    const row = inverse[k] as Float64Array;
    for (let i = 0; i < n; i++) {
      r += (row[i] as number) * (b[i] as number);
      v += (row[i] as number) ** 2 * (varB[i] as number);
    }
    rates[k] = Math.max(0, r);
    stds[k] = Math.sqrt(v);
  }
  return { rates, stds };
}

/** Weighted least-squares slope of y on x, and its variance; null with fewer than two x. */
function slope(
  points: readonly { x: number; y: number; w: number }[],
): { slope: number; variance: number } | null {
  if (new Set(points.map((p) => p.x)).size < 2) return null;
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sw += p.w;
    sx += p.w * p.x;
    sy += p.w * p.y;
  }
  const mx = sx / sw;
  const my = sy / sw;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += p.w * (p.x - mx) ** 2;
    sxy += p.w * (p.x - mx) * (p.y - my);
  }
  return { slope: sxy / sxx, variance: 1 / sxx };
}

function swap<T>(rows: T[], i: number, j: number): void {
  const t = rows[i] as T;
  rows[i] = rows[j] as T;
  rows[j] = t;
}

/** The inverse of a square 0/1 matrix (Gauss–Jordan with partial pivoting). */
function invert(m: readonly (readonly number[])[]): Float64Array[] {
  const n = m.length;
  const a = m.map((row) => Float64Array.from(row));
  const inv = m.map((_, i) => {
    const r = new Float64Array(n);
    r[i] = 1;
    return r;
  });
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++)
      if (
        Math.abs((a[r] as Float64Array)[c] as number) >
        Math.abs((a[p] as Float64Array)[c] as number)
      )
        p = r;
    const pivot = (a[p] as Float64Array)[c] as number;
    if (Math.abs(pivot) < 1e-9)
      throw new QuantumInputError(
        "this layer's Pauli model cannot be learned: its generators are not independent",
      );
    swap(a, c, p);
    swap(inv, c, p);
    const ac = a[c] as Float64Array;
    const ic = inv[c] as Float64Array;
    for (let k = 0; k < n; k++) {
      ac[k] = (ac[k] as number) / pivot;
      ic[k] = (ic[k] as number) / pivot;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const ar = a[r] as Float64Array;
      const f = ar[c] as number;
      if (f === 0) continue;
      const ir = inv[r] as Float64Array;
      for (let k = 0; k < n; k++) {
        ar[k] = (ar[k] as number) - f * (ac[k] as number);
        ir[k] = (ir[k] as number) - f * (ic[k] as number);
      }
    }
  }
  return inv;
}
