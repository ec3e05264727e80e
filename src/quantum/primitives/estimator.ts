/**
 * Estimator V2: pubs (circuit, observables, parameter values?, precision?) → expectation values
 * broadcast over the observables' and parameters' shapes. Precision 0 gives exact values (as
 * Qiskit's StatevectorEstimator); a positive precision p samples each Pauli term with 1/p² shots,
 * so estimates carry the shot noise a device would give, with the standard error in `stds`.
 */
import { broadcastIndex, broadcastShapes, product, toNdArray, unwrap } from './arrays.js';
import { parseBindings } from './bindings.js';
import { type Circuit, compact, hasClassicalFlow, usedQubits } from '../ir/circuit.js';
import { dataBin, floatArray, primitiveResult, pubResult } from '../encoding/encoding.js';
import type { Encoded } from '../encoding/encoding.js';
import { nest } from '../encoding/npy.js';
import { QuantumInputError } from '../errors.js';
import { bind, evolve, fuse } from '../engines/execute.js';
import {
  type ProgramLimits,
  type RunOptions,
  pubItems,
  readCircuit,
  readParams,
  seedOf,
  wantsPureJson,
} from './pubs.js';
import { type Rng, binomial, createRng } from '../rng.js';
import { StateVector } from '../engines/statevector.js';
import {
  isObservableLeaf,
  pauliExpectation,
  restrictLabel,
  toObservable,
} from '../engines/observables.js';
import { type Resilience, readResilience } from './mitigation.js';
import { ESTIMATOR_DENSITY_MAX_QUBITS } from '../engines/engine-choice.js';
import { isNoisy, noisyEstimates } from './estimator-noise.js';

/** Read and check Estimator V2 params. Throws QuantumInputError. */
export function readEstimatorPubs(params: unknown, limits: ProgramLimits) {
  const p = readParams(params, limits);
  const defaultPrecision = p.options.default_precision ?? p.raw.precision ?? 0;
  const pubs = p.pubs.map((pub, i) => {
    const [circ, obs, values, precision] = pubItems(pub, i);
    const circuit = readCircuit(circ, i, limits);
    if (hasClassicalFlow(circuit.ops)) {
      throw new QuantumInputError(
        `pub ${i}: estimator circuits must not measure, reset or branch (remove the measurements)`,
      );
    }
    if (obs === undefined) throw new QuantumInputError(`pub ${i}: observables are required`);
    const arr = toNdArray(unwrap(obs), isObservableLeaf, `pub ${i}: observables`);
    const observables = arr.data.map((o) => toObservable(o, circuit.numQubits, `pub ${i}`));
    const bindings = parseBindings(values, circuit.parameters, `pub ${i}`, circuit.parameterLabels);
    const prec = precision ?? defaultPrecision;
    if (typeof prec !== 'number' || !(prec >= 0))
      throw new QuantumInputError(`pub ${i}: precision must be a number ≥ 0`);
    const shape = broadcastShapes(arr.shape, bindings.shape, `pub ${i}`);
    return { circuit, observables, obsShape: arr.shape, bindings, precision: prec, shape };
  });
  // Read (and check) the mitigation options on every backend; only a noisy one applies them.
  const resilience = readResilience(p.options, p.raw);
  if (resilience.pec && isNoisy(limits))
    pubs.forEach((pub, i) => {
      const active = usedQubits(pub.circuit.ops).length;
      if (active > ESTIMATOR_DENSITY_MAX_QUBITS)
        throw new QuantumInputError(
          `pub ${i}: resilience.pec_mitigation runs on up to ${ESTIMATOR_DENSITY_MAX_QUBITS} active qubits here (this circuit acts on ${active}); use ZNE with amplifier "pea" for wider circuits`,
        );
    });
  return { pubs, p, resilience };
}

/** Shots a precision stands for (standard error ≈ 1/√shots), for the execution-time model. */
export const shotsForPrecision = (precision: number): number =>
  precision > 0 ? Math.ceil(1 / precision ** 2) : 0;

/**
 * Shot noise: each non-identity term is measured `shots` times (outcomes ±1 with P(+1) =
 * (1 + ⟨P⟩)/2), as a device would; the standard error comes from the same samples.
 */
function estimate(
  terms: readonly (readonly [number, number, boolean])[],
  shots: number,
  rng: Rng,
): { ev: number; std: number } {
  let ev = 0;
  let variance = 0;
  for (const [c, exact, identity] of terms) {
    if (identity) {
      ev += c * exact;
      continue;
    }
    const p = Math.min(1, Math.max(0, (1 + exact) / 2));
    const ones = binomial(shots, p, rng);
    const mean = (2 * ones) / shots - 1;
    ev += c * mean;
    variance += (c * c * (1 - mean * mean)) / shots;
  }
  return { ev, std: Math.sqrt(variance) };
}

/** Run the primitive; the PrimitiveResult document. */
export function runEstimator(params: unknown, limits: ProgramLimits, run: RunOptions = {}) {
  const { shouldStop } = run;
  const { pubs, p, resilience } = readEstimatorPubs(params, limits);
  const pureJson = wantsPureJson(p);
  const rng = createRng(seedOf(p, run.seed));
  const results = pubs.map((pub) => {
    const { circuit, used } = compact(pub.circuit);
    if (isNoisy(limits))
      return noisyPubResult(pub, circuit, used, limits, resilience, rng, pureJson, shouldStop);
    const n = product(pub.shape);
    const evs = new Float64Array(n);
    const stds = new Float64Array(n);
    // One state per parameter set, evaluated for every element that broadcasts from it, so that
    // only one state is alive at a time.
    const elementsOf = new Map<number, number[]>();
    for (let k = 0; k < n; k++) {
      const b = broadcastIndex(k, pub.shape, pub.bindings.shape);
      elementsOf.set(b, [...(elementsOf.get(b) ?? []), k]);
    }
    for (const [b, elements] of elementsOf) {
      const state = new StateVector(circuit.numQubits);
      evolve(state, fuse(bind(circuit.ops, pub.bindings.sets[b] ?? new Map())), shouldStop);
      for (const k of elements) {
        const obs = pub.observables[broadcastIndex(k, pub.shape, pub.obsShape)] ?? [];
        const exact = obs.map(([label, c]) => {
          const r = restrictLabel(label, used);
          return [
            c,
            r === null ? 0 : pauliExpectation(state, r),
            r !== null && !/[XYZ]/.test(r),
          ] as const;
        });
        if (pub.precision > 0) {
          const est = estimate(exact, shotsForPrecision(pub.precision), rng);
          evs[k] = est.ev;
          stds[k] = est.std;
        } else {
          evs[k] = exact.reduce((sum, [c, e]) => sum + c * e, 0);
        }
      }
    }
    if (pureJson)
      return {
        data: {
          evs: nest(Array.from(evs), pub.shape),
          stds: nest(Array.from(stds), pub.shape),
          ensemble_standard_error: nest(Array.from(stds), pub.shape),
        },
        metadata: {
          target_precision: pub.precision,
          shots: shotsForPrecision(pub.precision),
          circuit_metadata: {},
        },
      };
    const fields = {
      evs: floatArray(evs, pub.shape),
      stds: floatArray(stds, pub.shape),
      ensemble_standard_error: floatArray(stds, pub.shape),
    };
    return pubResult('PubResult', dataBin(fields, pub.shape), {
      target_precision: pub.precision,
      shots: shotsForPrecision(pub.precision),
      circuit_metadata: {},
      // Plain numbers for readers without NumPy, nested like the pub's shape.
      evs: nest(Array.from(evs), pub.shape),
      stds: nest(Array.from(stds), pub.shape),
    });
  });
  // Every pub took the same branch: all pure JSON, or all encoded Qiskit objects.
  return pureJson
    ? { results, metadata: { version: 2 } }
    : primitiveResult(results as Encoded[], { version: 2 });
}

type EstimatorPub = ReturnType<typeof readEstimatorPubs>['pubs'][number];

/** A pub on a noisy backend (estimator-noise.ts), with ZNE's extra fields when it ran. */
function noisyPubResult(
  pub: EstimatorPub,
  circuit: Circuit,
  used: readonly number[],
  limits: ProgramLimits,
  resilience: Resilience,
  rng: Rng,
  pureJson: boolean,
  shouldStop?: () => boolean,
) {
  const count = product(pub.shape);
  const elements = Array.from({ length: count }, (_, k) => ({
    binding: broadcastIndex(k, pub.shape, pub.bindings.shape),
    observable: pub.observables[broadcastIndex(k, pub.shape, pub.obsShape)] ?? [],
  }));
  const envs = Array.from(
    { length: Math.max(1, pub.bindings.sets.length) },
    (_, b) => pub.bindings.sets[b] ?? new Map<string, number>(),
  );
  const run = noisyEstimates(
    { circuit, used, envs, precision: pub.precision },
    elements,
    limits,
    resilience,
    rng,
    shouldStop,
  );
  const evs = Float64Array.from(run.elements, (e) => e.ev);
  const stds = Float64Array.from(run.elements, (e) => e.std);
  const fields: [string, Float64Array, number[]][] = [
    ['evs', evs, [...pub.shape]],
    ['stds', stds, [...pub.shape]],
    ['ensemble_standard_error', stds, [...pub.shape]],
  ];
  const zne = resilience.zne;
  if (zne) {
    const nf = [...pub.shape, zne.noiseFactors.length];
    const ex = [...pub.shape, zne.extrapolators.length, zne.extrapolatedNoiseFactors.length];
    const perFactor = run.elements.flatMap((e) => e.perFactor);
    const extrapolated = run.elements.flatMap((e) => e.extrapolated.flat());
    fields.push(
      ['evs_noise_factors', Float64Array.from(perFactor, (x) => x.value), nf],
      ['stds_noise_factors', Float64Array.from(perFactor, (x) => x.std), nf],
      ['ensemble_stds_noise_factors', Float64Array.from(perFactor, (x) => x.std), nf],
      ['evs_extrapolated', Float64Array.from(extrapolated, (x) => x.value), ex],
      ['stds_extrapolated', Float64Array.from(extrapolated, (x) => x.std), ex],
    );
  }
  const metadata = {
    target_precision: pub.precision,
    shots: run.shots,
    circuit_metadata: {},
    resilience: {
      level: resilience.level,
      measure_mitigation: resilience.measureMitigation,
      twirling: {
        enable_measure: resilience.measureTwirling,
        enable_gates: resilience.gateTwirling,
      },
      pec_mitigation: resilience.pec !== null,
      ...(zne
        ? {
            zne: {
              noise_factors: run.reachedFactors,
              extrapolator: zne.extrapolators,
              amplifier: zne.amplifier,
            },
          }
        : {}),
    },
  };
  if (pureJson)
    return {
      data: Object.fromEntries(fields.map(([k, v, shape]) => [k, nest(Array.from(v), shape)])),
      metadata,
    };
  const encoded = Object.fromEntries(fields.map(([k, v, shape]) => [k, floatArray(v, shape)]));
  return pubResult('PubResult', dataBin(encoded, pub.shape), {
    ...metadata,
    evs: nest(Array.from(evs), pub.shape),
    stds: nest(Array.from(stds), pub.shape),
  });
}
