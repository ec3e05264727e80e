/**
 * The estimator on a noisy backend. For each parameter set and each ZNE noise factor the
 * circuit is bound with its gate and relaxation noise (folded, and twirled when asked) and run
 * as a density matrix, which gives every Pauli term's noisy expectation exactly; registers too
 * wide for one are averaged over trajectories instead. Readout error then acts on each term in
 * closed form (mitigation.ts), shot noise is drawn as on a device when a precision is set,
 * TREX divides by the calibrated readout factor, and ZNE extrapolates the factors to zero.
 */
import { isUnitary } from '../kernels/apply.js';
import { type Bound } from '../ir/operation.js';
import { bind, twoQubitCalls } from '../compile/bind.js';
import { fuse } from '../compile/fuse.js';
import type { Circuit } from '../ir/circuit.js';
import { DensityMatrix, densityPauliExpectation, evolveDensity } from '../engines/density.js';
import { evolve } from '../engines/execute.js';
import {
  type Estimate,
  type Resilience,
  extrapolate,
  foldPlan,
  readoutExpectation,
  readoutLabels,
} from './mitigation.js';
import { type Observable, pauliExpectation, restrictLabel } from '../engines/observables.js';
import type { ProgramLimits } from './pubs.js';
import { restrictReadout } from '../noise/readout.js';
import { restrictRelaxation } from '../noise/relaxation.js';
import { type Rng, binomial } from '../rng.js';
import { amplify, cancel, noiseGain, totalRate } from './pec.js';
import { StateVector } from '../engines/statevector.js';
import { runTree } from '../engines/trajectories.js';
import { estimatesExactly } from '../engines/engine-choice.js';

/** Trajectories averaged for a wider register when the pub asks for exact values. */
export const DEFAULT_TRAJECTORIES = 4096;

/** Whether a backend's limits carry any noise the estimator must model. */
export const isNoisy = (limits: ProgramLimits): boolean =>
  limits.readout !== undefined || limits.relaxation !== undefined || limits.gateNoise !== undefined;

/** One pub, compacted to its active qubits. */
export interface NoisyPub {
  readonly circuit: Circuit;
  readonly used: readonly number[];
  readonly envs: readonly ReadonlyMap<string, number>[];
  readonly precision: number;
}

/** Per element: the estimate, and with ZNE the values per factor and per extrapolator. */
export interface NoisyElement {
  readonly ev: number;
  readonly std: number;
  readonly perFactor: readonly Estimate[];
  /** [extrapolator][point]; NaN where that extrapolator cannot fit. */
  readonly extrapolated: readonly (readonly Estimate[])[];
}

export function noisyEstimates(
  pub: NoisyPub,
  elements: readonly { readonly binding: number; readonly observable: Observable }[],
  limits: ProgramLimits,
  res: Resilience,
  rng: Rng,
  shouldStop?: () => boolean,
): { elements: NoisyElement[]; reachedFactors: number[]; shots: number } {
  const { circuit, used } = pub;
  const n = circuit.numQubits;
  const readout = limits.readout && restrictReadout(limits.readout, used);
  const a = used.map((_, q) => 1 - (readout?.p01[q] ?? 0) - (readout?.p10[q] ?? 0));
  // Twirled readout flips a random half of the bits before measuring and back after, so a
  // 0 and a 1 are misread equally often: the bias b vanishes.
  const b = used.map((_, q) =>
    res.measureTwirling ? 0 : (readout?.p10[q] ?? 0) - (readout?.p01[q] ?? 0),
  );
  const zne = res.zne;
  const pea = zne?.amplifier === 'pea';
  const noise = {
    relaxation: limits.relaxation && restrictRelaxation(limits.relaxation, used),
    gates: limits.gateNoise,
    physical: used,
    twirl: res.gateTwirling,
    twirlAll: pea || res.pec !== null,
  };
  const calls = twoQubitCalls(circuit.ops);
  // PEA runs each factor with every rate scaled; gate folding folds two-qubit gates.
  const plans = (zne?.noiseFactors ?? [1]).map((f) =>
    pea
      ? { folds: [] as number[], reached: f }
      : foldPlan(f, calls, zne?.amplifier ?? 'gate_folding_front', rng),
  );
  const xs = plans.map((p) => p.reached);
  const dense = estimatesExactly(n);
  const exact = pub.precision === 0 && dense;
  let shots =
    pub.precision > 0 ? Math.ceil(1 / pub.precision ** 2) : exact ? 0 : DEFAULT_TRAJECTORIES;
  const calShots =
    res.calibrationShots === 'auto' ? shots : exact ? 0 : Math.max(1, res.calibrationShots);

  const out: NoisyElement[] = new Array(elements.length);
  const byBinding = new Map<number, number[]>();
  elements.forEach((e, k) => byBinding.set(e.binding, [...(byBinding.get(e.binding) ?? []), k]));
  for (const [binding, ks] of byBinding) {
    const env = pub.envs[binding] ?? new Map<string, number>();
    const terms = new Set<string>();
    for (const k of ks)
      for (const [label] of elements[k]?.observable ?? []) {
        const r = restrictLabel(label, used);
        if (r !== null) for (const l of readoutLabels(r, b)) terms.add(l);
      }
    // Noisy ⟨P⟩ of every label needed, at each noise factor; with PEC, the mean of its
    // quasi-probability estimator, and its overhead γ.
    let gamma = 1;
    const values = plans.map((plan, i) => {
      let ops = bind(circuit.ops, env, { ...noise, folds: plan.folds });
      if (pea) ops = amplify(ops, xs[i] as number);
      if (res.pec) {
        const gain = noiseGain(res.pec.noiseGain, res.pec.maxOverhead, totalRate(ops));
        ({ ops, gamma } = cancel(ops, gain));
        // The shots that give the requested precision grow with the overhead.
        if (pub.precision > 0) shots = Math.ceil(gamma ** 2 / pub.precision ** 2);
      }
      return expectations(fuse(ops), n, [...terms], shots, rng, shouldStop);
    });
    for (const k of ks) {
      const element = elements[k];
      if (element)
        out[k] = estimateElement(element.observable, used, values, a, b, xs, {
          res,
          shots: exact ? 0 : shots,
          calShots,
          rng,
          draw: dense,
          gamma,
        });
    }
  }
  return { elements: out, reachedFactors: xs, shots };
}

interface Sampling {
  readonly res: Resilience;
  readonly shots: number;
  readonly calShots: number;
  readonly rng: Rng;
  /**
   * Whether to draw shot noise: the density matrix gives exact values; an average over as
   * many trajectories as shots already varies like the shots would.
   */
  readonly draw: boolean;
  /**
   * PEC's overhead: each shot reads ±γ (a Pauli insertion's sign times the outcome), so the
   * mean is drawn from shots of ±1 with mean ⟨P⟩/γ and scaled back (1 without PEC).
   */
  readonly gamma: number;
}

function estimateElement(
  observable: Observable,
  used: readonly number[],
  values: readonly ReadonlyMap<string, number>[],
  a: readonly number[],
  b: readonly number[],
  xs: readonly number[],
  s: Sampling,
): NoisyElement {
  const zne = s.res.zne;
  const extrapolators = zne?.extrapolators ?? [];
  const points = zne?.extrapolatedNoiseFactors ?? [];
  let ev = 0;
  let variance = 0;
  const perFactor = xs.map(() => ({ value: 0, variance: 0 }));
  const extrapolated = extrapolators.map(() => points.map(() => ({ value: 0, variance: 0 })));
  for (const [label, c] of observable) {
    const r = restrictLabel(label, used);
    // X or Y on an idle qubit (in |0⟩): the term is 0. All-identity terms are exact.
    if (r === null) continue;
    if (!/[XYZ]/.test(r)) {
      ev += c;
      perFactor.forEach((f) => (f.value += c));
      extrapolated.forEach((e) => e.forEach((p) => (p.value += c)));
      continue;
    }
    const measured = values.map((v) => {
      const noisy = readoutExpectation(r, a, b, (l) => v.get(l) ?? 0);
      const read = scale(
        s.draw ? sample(noisy / s.gamma, s.shots, s.rng) : spread(noisy / s.gamma, s.shots),
        s.gamma,
      );
      return mitigate(read, r, a, s);
    });
    measured.forEach((m, i) => {
      const f = perFactor[i];
      if (f) {
        f.value += c * m.value;
        f.variance += c * c * m.std ** 2;
      }
    });
    const ys = measured.map((m) => m.value);
    const sigmas = measured.map((m) => m.std);
    let chosen: Estimate | null = zne ? null : (measured[0] ?? null);
    for (const kind of extrapolators) {
      chosen ??= extrapolate(kind, xs, ys, sigmas, 0);
    }
    // Every extrapolator failed (an exponential on values of both signs): fall back to the
    // least-amplified value, as unmitigated.
    chosen ??= measured[0] ?? { value: 0, std: 0 };
    ev += c * chosen.value;
    variance += c * c * chosen.std ** 2;
    extrapolators.forEach((kind, e) =>
      points.forEach((x, j) => {
        const cell = extrapolated[e]?.[j];
        if (!cell) return;
        const fit = extrapolate(kind, xs, ys, sigmas, x);
        cell.value += fit ? c * fit.value : NaN;
        cell.variance += fit ? c * c * fit.std ** 2 : NaN;
      }),
    );
  }
  const done = (x: { value: number; variance: number }): Estimate => ({
    value: x.value,
    std: Math.sqrt(x.variance),
  });
  return {
    ev,
    std: Math.sqrt(variance),
    perFactor: perFactor.map(done),
    extrapolated: extrapolated.map((e) => e.map(done)),
  };
}

const scale = (e: Estimate, by: number): Estimate => ({ value: e.value * by, std: e.std * by });

/** A ±1 measurement of mean `p` averaged over `shots` (exact when shots is 0). */
function sample(mean: number, shots: number, rng: Rng): Estimate {
  if (shots === 0) return { value: mean, std: 0 };
  const ones = binomial(shots, Math.min(1, Math.max(0, (1 + mean) / 2)), rng);
  const value = (2 * ones) / shots - 1;
  return { value, std: Math.sqrt((1 - value * value) / shots) };
}

/** A mean taken as measured over `shots` shots, with the binomial standard error. */
function spread(mean: number, shots: number): Estimate {
  return { value: mean, std: shots > 0 ? Math.sqrt(Math.max(0, 1 - mean * mean) / shots) : 0 };
}

/**
 * TREX: with twirled readout a term on support S reads ∏_{q∈S} a_q·⟨P⟩, and a calibration of
 * the same twirled measurement on |0…0⟩ reads ∏ a_q alone; the ratio undoes the readout error.
 * Its standard error adds the calibration's, by the delta method.
 */
function mitigate(m: Estimate, label: string, a: readonly number[], s: Sampling): Estimate {
  if (!s.res.measureMitigation) return m;
  const n = label.length;
  let factor = 1;
  for (let q = 0; q < n; q++) if (label[n - 1 - q] !== 'I') factor *= a[q] ?? 1;
  const cal = sample(factor, s.calShots, s.rng);
  // A calibration that reads no signal cannot be divided by; the term stays unmitigated.
  if (!(cal.value > 1e-3)) return m;
  const value = m.value / cal.value;
  const std = Math.sqrt((m.std / cal.value) ** 2 + ((m.value * cal.std) / cal.value ** 2) ** 2);
  return { value, std };
}

/**
 * ⟨P⟩ for each label on the noisy state: exact from a density matrix, or the shot-weighted
 * mean over `trajectories` noisy trajectories for a wider register.
 */
function expectations(
  ops: readonly Bound[],
  n: number,
  labels: readonly string[],
  trajectories: number,
  rng: Rng,
  shouldStop?: () => boolean,
): Map<string, number> {
  const out = new Map<string, number>();
  if (estimatesExactly(n)) {
    const rho = new DensityMatrix(n);
    evolveDensity(rho, ops, shouldStop);
    for (const l of labels) out.set(l, densityPauliExpectation(rho, l));
    return out;
  }
  const first = ops.findIndex((o) => !isUnitary(o));
  const state = new StateVector(n);
  evolve(state, first < 0 ? ops : ops.slice(0, first), shouldStop);
  const sums = new Float64Array(labels.length);
  const finish = (s: StateVector, count: number): void =>
    labels.forEach((l, i) => (sums[i] = (sums[i] as number) + count * pauliExpectation(s, l)));
  if (first < 0) finish(state, trajectories);
  else
    runTree(state, ops.slice(first), trajectories, 0, {
      rng,
      shouldStop,
      sample: () => new Uint32Array(0),
      leaf: finish,
    });
  labels.forEach((l, i) => out.set(l, (sums[i] as number) / trajectories));
  return out;
}
