/**
 * Estimator error mitigation, as IBM's Estimator V2 options describe it: what the options ask
 * for (resilience levels, TREX, ZNE, twirling), how ZNE folds gates, and how it extrapolates.
 * Pure functions; estimator-noise.ts runs them.
 *
 * Levels (IBM's defaults): 0 nothing; 1 measurement twirling and TREX readout mitigation (the
 * default); 2 adds gate twirling and ZNE with noise factors 1, 3, 5 and the extrapolators
 * exponential, then linear. Explicit options override what the level sets.
 */
import { QuantumInputError } from '../errors.js';
import { intOption } from './pubs.js';
import type { Rng } from '../rng.js';

export type Extrapolator = 'linear' | 'exponential' | `polynomial_degree_${number}`;

export interface Zne {
  readonly noiseFactors: readonly number[];
  readonly extrapolators: readonly Extrapolator[];
  /** Where each extrapolator is also evaluated (`evs_extrapolated`); default 0 and the factors. */
  readonly extrapolatedNoiseFactors: readonly number[];
  /** Gate folding, or PEA: every noise channel run at the factor times its rates (pec.ts). */
  readonly amplifier: 'gate_folding' | 'gate_folding_front' | 'gate_folding_back' | 'pea';
}

/** Probabilistic error cancellation (pec.ts). */
export interface Pec {
  /** The largest sampling overhead γ² allowed (null: none). */
  readonly maxOverhead: number | null;
  /** The noise left: 0 removes it all, 1 none; "auto" picks it from maxOverhead. */
  readonly noiseGain: number | 'auto';
}

export interface Resilience {
  readonly level: 0 | 1 | 2;
  /** TREX: readout error is learned from twirled calibration shots and divided out. */
  readonly measureMitigation: boolean;
  /** Random X before each measurement, undone on the bit: readout error becomes symmetric. */
  readonly measureTwirling: boolean;
  readonly gateTwirling: boolean;
  readonly zne: Zne | null;
  readonly pec: Pec | null;
  /** Shots of the TREX calibration: num_randomizations × shots_per_randomization, or auto. */
  readonly calibrationShots: number | 'auto';
}

const EXTRAPOLATORS = [
  'linear',
  'exponential',
  'double_exponential',
  ...Array.from({ length: 7 }, (_, k) => `polynomial_degree_${k + 1}`),
];

const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function bool(v: unknown, what: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new QuantumInputError(`${what} must be true or false`);
  return v;
}

/** Read the resilience and twirling options of Estimator V2 params. Throws QuantumInputError. */
export function readResilience(
  options: Record<string, unknown>,
  raw: Record<string, unknown>,
): Resilience {
  const level = intOption(
    options.resilience_level ?? raw.resilience_level,
    'resilience_level (0: none, 1: readout mitigation, 2: readout mitigation and ZNE)',
    0,
    2,
  );
  const lv = (level ?? 1) as 0 | 1 | 2;
  const res = obj(options.resilience);
  const tw = obj(options.twirling);
  const pecOn = bool(res.pec_mitigation, 'resilience.pec_mitigation') ?? false;
  if (res.layer_noise_model !== undefined && res.layer_noise_model !== null)
    throw new QuantumInputError(
      "resilience.layer_noise_model: Berth mitigates with the backend's exact noise model, so a learned one is not used; leave it unset (a NoiseLearner job on Berth returns that same model)",
    );
  const measureMitigation =
    bool(res.measure_mitigation, 'resilience.measure_mitigation') ?? lv >= 1;
  const zneOn = bool(res.zne_mitigation, 'resilience.zne_mitigation') ?? (lv >= 2 && !pecOn);
  if (pecOn && zneOn)
    throw new QuantumInputError(
      "resilience: 'pec_mitigation' and 'zne_mitigation' cannot both be true (as on IBM); choose one",
    );
  const learning = obj(res.measure_noise_learning);
  const randomizations = intOption(
    learning.num_randomizations,
    'resilience.measure_noise_learning.num_randomizations',
    1,
    1e6,
  );
  const perRandomization =
    learning.shots_per_randomization === 'auto'
      ? undefined
      : intOption(
          learning.shots_per_randomization,
          'resilience.measure_noise_learning.shots_per_randomization (or "auto")',
          1,
          1e7,
        );
  const zne = zneOn ? readZne(obj(res.zne)) : null;
  return {
    level: lv,
    measureMitigation,
    measureTwirling:
      bool(tw.enable_measure, 'twirling.enable_measure') ?? (lv >= 1 || measureMitigation),
    // PEA and PEC twirl every gate, whatever the twirling options say (as IBM's do).
    gateTwirling:
      pecOn || zne?.amplifier === 'pea'
        ? true
        : (bool(tw.enable_gates, 'twirling.enable_gates') ?? lv >= 2),
    zne,
    pec: pecOn ? readPec(obj(res.pec)) : null,
    calibrationShots:
      perRandomization === undefined ? 'auto' : (randomizations ?? 32) * perRandomization,
  };
}

/**
 * The sampler's twirling options (IBM's defaults there: both off). Measurement twirling makes
 * readout error symmetric; gate twirling turns two-qubit gates' relaxation into Pauli noise.
 */
export function readSamplerTwirling(options: Record<string, unknown>): {
  readonly measure: boolean;
  readonly gates: boolean;
} {
  const tw = obj(options.twirling);
  return {
    measure: bool(tw.enable_measure, 'twirling.enable_measure') ?? false,
    gates: bool(tw.enable_gates, 'twirling.enable_gates') ?? false,
  };
}

function readZne(z: Record<string, unknown>): Zne {
  const factors = z.noise_factors ?? [1, 3, 5];
  if (
    !Array.isArray(factors) ||
    factors.length === 0 ||
    factors.some((f) => typeof f !== 'number' || !Number.isFinite(f) || f < 1)
  )
    throw new QuantumInputError('resilience.zne.noise_factors must be a list of numbers ≥ 1');
  const named = z.extrapolator ?? ['exponential', 'linear'];
  const list = (Array.isArray(named) ? named : [named]) as unknown[];
  for (const e of list) {
    if (typeof e !== 'string' || !EXTRAPOLATORS.includes(e))
      throw new QuantumInputError(
        `resilience.zne.extrapolator ${JSON.stringify(e)} is not one of: ${EXTRAPOLATORS.join(', ')}`,
      );
    if (e === 'double_exponential')
      throw new QuantumInputError(
        'resilience.zne.extrapolator "double_exponential" is not supported by Berth; use linear, exponential or polynomial_degree_1 … polynomial_degree_7',
      );
    const need = e === 'linear' || e === 'exponential' ? 2 : Number(e.split('_').pop()) + 1;
    if (new Set(factors).size < need)
      throw new QuantumInputError(
        `resilience.zne.extrapolator ${e} needs at least ${need} distinct noise factors (got ${factors.length})`,
      );
  }
  const points = z.extrapolated_noise_factors ?? [0, ...factors];
  if (
    !Array.isArray(points) ||
    points.some((f) => typeof f !== 'number' || !Number.isFinite(f) || f < 0)
  )
    throw new QuantumInputError(
      'resilience.zne.extrapolated_noise_factors must be a list of numbers ≥ 0',
    );
  const amplifier = z.amplifier ?? 'gate_folding';
  if (
    amplifier !== 'gate_folding' &&
    amplifier !== 'gate_folding_front' &&
    amplifier !== 'gate_folding_back' &&
    amplifier !== 'pea'
  )
    throw new QuantumInputError(
      `resilience.zne.amplifier ${JSON.stringify(amplifier)} is not one of: gate_folding, gate_folding_front, gate_folding_back, pea`,
    );
  return {
    noiseFactors: factors as number[],
    extrapolators: list as Extrapolator[],
    extrapolatedNoiseFactors: points as number[],
    amplifier,
  };
}

function readPec(p: Record<string, unknown>): Pec {
  const over = p.max_overhead;
  if (over !== undefined && over !== null && !(typeof over === 'number' && over > 0))
    throw new QuantumInputError(
      'resilience.pec.max_overhead must be a number > 0, or null for no limit',
    );
  const gain = p.noise_gain ?? 'auto';
  if (gain !== 'auto' && !(typeof gain === 'number' && gain >= 0 && Number.isFinite(gain)))
    throw new QuantumInputError('resilience.pec.noise_gain must be "auto" or a number ≥ 0');
  return {
    maxOverhead: over === undefined ? 100 : (over as number | null),
    noiseGain: gain as number | 'auto',
  };
}

/**
 * How many times to fold each of `gates` two-qubit gate calls to reach `factor`: every call
 * is folded ⌊k⌋ times and a subset once more (random, or from the front or back of the
 * circuit), k = (factor − 1)/2. Also the factor actually reached, 1 + 2·folds/gates, which is
 * what the extrapolation uses.
 */
export function foldPlan(
  factor: number,
  gates: number,
  amplifier: Zne['amplifier'],
  rng: Rng,
): { folds: number[]; reached: number } {
  if (gates === 0) return { folds: [], reached: factor };
  const total = Math.round(((factor - 1) * gates) / 2);
  const base = Math.floor(total / gates);
  const extra = total - base * gates;
  const folds = new Array<number>(gates).fill(base);
  const order = Array.from({ length: gates }, (_, i) => i);
  if (amplifier === 'gate_folding_back') order.reverse();
  if (amplifier === 'gate_folding') {
    for (let i = gates - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
  }
  for (const i of order.slice(0, extra)) folds[i] = base + 1;
  return { folds, reached: 1 + (2 * total) / gates };
}

/** An extrapolated value and its standard error. */
export interface Estimate {
  readonly value: number;
  readonly std: number;
}

/**
 * Fit `ys` (standard errors `sigmas`, all 0 for exact values) at noise factors `xs` and
 * evaluate the fit at `at`. Polynomials are least-squares fits (weighted by 1/σ² when every σ
 * is positive); exponential is A·exp(−x/τ), fitted to log|y|, and fails (null) when the values
 * change sign or touch 0. The standard error follows linearly from the values' errors.
 */
export function extrapolate(
  kind: Extrapolator,
  xs: readonly number[],
  ys: readonly number[],
  sigmas: readonly number[],
  at: number,
): Estimate | null {
  if (kind === 'exponential') {
    const sign = Math.sign(ys[0] ?? 0);
    if (sign === 0 || ys.some((y) => Math.sign(y) !== sign || Math.abs(y) < 1e-12)) return null;
    const logs = ys.map((y) => Math.log(Math.abs(y)));
    const logSigmas = ys.map((y, i) => (sigmas[i] ?? 0) / Math.abs(y));
    const fit = polynomialAt(xs, logs, logSigmas, 1, at);
    if (!fit) return null;
    const value = sign * Math.exp(fit.value);
    return { value, std: Math.abs(value) * fit.std };
  }
  const degree = kind === 'linear' ? 1 : Number(kind.split('_').pop());
  return polynomialAt(xs, ys, sigmas, degree, at);
}

/** Least-squares polynomial of `degree` through (xs, ys), evaluated at `at`. */
function polynomialAt(
  xs: readonly number[],
  ys: readonly number[],
  sigmas: readonly number[],
  degree: number,
  at: number,
): Estimate | null {
  const d = degree + 1;
  if (new Set(xs).size < d) return null;
  const weighted = sigmas.every((s) => s > 0);
  const w = xs.map((_, i) => (weighted ? 1 / (sigmas[i] as number) ** 2 : 1));
  // Normal equations M·c = Vᵀ W y; the value at `at` is v(at)ᵀ M⁻¹ Vᵀ W y = Σ g_i y_i.
  const m = Array.from({ length: d }, (_, r) =>
    Array.from({ length: d }, (_, c) =>
      xs.reduce((sum, x, i) => sum + (w[i] as number) * x ** (r + c), 0),
    ),
  );
  const inv = invert(m);
  if (!inv) return null;
  const v = Array.from({ length: d }, (_, k) => at ** k);
  const u = v.map((_, c) => v.reduce((sum, vr, r) => sum + vr * (inv[r]?.[c] ?? 0), 0));
  const g = xs.map((x, i) => (w[i] as number) * u.reduce((sum, uc, c) => sum + uc * x ** c, 0));
  const value = g.reduce((sum, gi, i) => sum + gi * (ys[i] as number), 0);
  const variance = g.reduce((sum, gi, i) => sum + gi * gi * (sigmas[i] ?? 0) ** 2, 0);
  return { value, std: Math.sqrt(variance) };
}

/** Gauss–Jordan inverse of a small matrix; null when singular. */
function invert(a: number[][]): number[][] | null {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++)
      if (Math.abs(m[r]?.[c] ?? 0) > Math.abs(m[pivot]?.[c] ?? 0)) pivot = r;
    const p = m[pivot]?.[c] ?? 0;
    if (Math.abs(p) < 1e-300) return null;
    [m[c], m[pivot]] = [m[pivot] as number[], m[c] as number[]];
    const row = m[c] as number[];
    for (let k = 0; k < 2 * n; k++) row[k] = (row[k] as number) / p;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]?.[c] ?? 0;
      const other = m[r] as number[];
      for (let k = 0; k < 2 * n; k++) other[k] = (other[k] as number) - f * (row[k] as number);
    }
  }
  return m.map((row) => row.slice(n));
}

/**
 * A Pauli term's expectation as a readout-noisy measurement records it. Each measured bit
 * flips 0→1 with chance p01 and 1→0 with p10, so the recorded sign is E[z'|z] = a·z + b, with
 * a = 1 − p01 − p10 and b = p10 − p01, independently per qubit. Then
 *
 *   E[∏_{q∈S} z'_q] = Σ_{T⊆S} ∏_{q∈T} a_q · ∏_{q∈S∖T} b_q · ⟨P_T⟩,
 *
 * P_T being the term restricted to T. Twirled readout has b = 0: only T = S remains. Subsets
 * whose b-product falls below 1e−12 are left out (b is a difference of small error rates).
 * `expect` gives ⟨label⟩ for little-endian labels; `a` and `b` are per simulated qubit.
 */
export function readoutExpectation(
  label: string,
  a: readonly number[],
  b: readonly number[],
  expect: (label: string) => number,
): number {
  const n = label.length;
  const support: number[] = [];
  for (let q = 0; q < n; q++) if (label[n - 1 - q] !== 'I') support.push(q);
  const chars = [...label];
  let total = 0;
  const walk = (k: number, factor: number): void => {
    if (Math.abs(factor) < 1e-12) return;
    if (k === support.length) {
      total += factor * (chars.every((c) => c === 'I') ? 1 : expect(chars.join('')));
      return;
    }
    const q = support[k] as number;
    walk(k + 1, factor * (a[q] ?? 1));
    const bq = b[q] ?? 0;
    if (bq === 0) return;
    const keep = chars[n - 1 - q] as string;
    chars[n - 1 - q] = 'I';
    walk(k + 1, factor * bq);
    chars[n - 1 - q] = keep;
  };
  walk(0, 1);
  return total;
}

/** Every label readoutExpectation would ask `expect` for. */
export function readoutLabels(label: string, b: readonly number[]): string[] {
  const out: string[] = [];
  readoutExpectation(label, [], b, (l) => {
    out.push(l);
    return 0;
  });
  return out;
}
