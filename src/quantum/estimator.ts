/**
 * Estimator V2: pubs (circuit, observables, parameter values?, precision?) → expectation values
 * broadcast over the observables' and parameters' shapes. Precision 0 gives exact values (as
 * Qiskit's StatevectorEstimator); a positive precision p samples each Pauli term with 1/p² shots,
 * so estimates carry the shot noise a device would give, with the standard error in `stds`.
 */
import { broadcastIndex, broadcastShapes, product, toNdArray, unwrap } from './arrays.js';
import { parseBindings } from './bindings.js';
import type { Circuit } from './circuit.js';
import { dataBin, floatArray, primitiveResult, pubResult } from './encoding.js';
import { QuantumInputError } from './errors.js';
import { bind, evolve, fuse } from './execute.js';
import { type ProgramLimits, pubItems, readCircuit, readParams, seedOf } from './pubs.js';
import { type Rng, createRng, gaussian } from './rng.js';
import { StateVector } from './statevector.js';

/** A Pauli sum: terms of (label, coefficient); labels are little-endian (last char = qubit 0). */
export type Observable = readonly (readonly [string, number])[];

const isObservableLeaf = (v: unknown): v is string | Record<string, number> =>
  typeof v === 'string' ||
  (typeof v === 'object' && v !== null && !Array.isArray(v) && !('__type__' in v));

function toObservable(v: string | Record<string, unknown>, n: number, where: string): Observable {
  const terms: [string, number][] =
    typeof v === 'string' ? [[v, 1]] : Object.entries(v).map(([k, c]) => [k, c as number]);
  for (const [label, c] of terms) {
    if (typeof c !== 'number' || !Number.isFinite(c))
      throw new QuantumInputError(`${where}: the coefficient of ${label} must be a real number`);
    if (!/^[IXYZ]+$/.test(label))
      throw new QuantumInputError(
        `${where}: ${JSON.stringify(label)} is not a Pauli string (I, X, Y, Z)`,
      );
    if (label.length !== n)
      throw new QuantumInputError(
        `${where}: ${label} acts on ${label.length} qubits; the circuit has ${n}`,
      );
  }
  return terms;
}

/** ⟨ψ|P|ψ⟩ for one Pauli string. */
export function pauliExpectation(state: StateVector, label: string): number {
  const n = label.length;
  let x = 0;
  let z = 0;
  let ys = 0;
  for (let q = 0; q < n; q++) {
    const ch = label[n - 1 - q];
    if (ch === 'X' || ch === 'Y') x += 2 ** q;
    if (ch === 'Z' || ch === 'Y') z += 2 ** q;
    if (ch === 'Y') ys++;
  }
  const { re, im, dim } = state;
  // P|j⟩ = i^ys (−1)^popcount(j∧z) |j⊕x⟩, so ⟨ψ|P|ψ⟩ = Σ_j conj(ψ_{j⊕x}) i^ys (−1)^… ψ_j.
  let sr = 0;
  let si = 0;
  for (let j = 0; j < dim; j++) {
    const k = j ^ x;
    let sign = 1;
    for (let b = j & z; b; b &= b - 1) sign = -sign;
    const ar = re[k] ?? 0;
    const ai = -(im[k] ?? 0);
    const br = (re[j] ?? 0) * sign;
    const bi = (im[j] ?? 0) * sign;
    sr += ar * br - ai * bi;
    si += ar * bi + ai * br;
  }
  const phase = ys % 4;
  return phase === 0 ? sr : phase === 1 ? -si : phase === 2 ? -sr : si;
}

export function readEstimatorPubs(params: unknown, limits: ProgramLimits) {
  const p = readParams(params, limits);
  const defaultPrecision = p.options.default_precision ?? p.raw.precision ?? 0;
  const pubs = p.pubs.map((pub, i) => {
    const [circ, obs, values, precision] = pubItems(pub, i);
    const circuit = readCircuit(circ, i, limits);
    if (circuit.ops.some((o) => o.kind !== 'u' && o.kind !== 'swap')) {
      throw new QuantumInputError(
        `pub ${i}: estimator circuits must not measure, reset or branch (remove the measurements)`,
      );
    }
    if (obs === undefined) throw new QuantumInputError(`pub ${i}: observables are required`);
    const arr = toNdArray(unwrap(obs), isObservableLeaf, `pub ${i}: observables`);
    const observables = arr.data.map((o) => toObservable(o, circuit.numQubits, `pub ${i}`));
    const bindings = parseBindings(values, circuit.parameters, `pub ${i}`);
    const prec = precision ?? defaultPrecision;
    if (typeof prec !== 'number' || !(prec >= 0))
      throw new QuantumInputError(`pub ${i}: precision must be a number ≥ 0`);
    const shape = broadcastShapes(arr.shape, bindings.shape, `pub ${i}`);
    return { circuit, observables, obsShape: arr.shape, bindings, precision: prec, shape };
  });
  return { pubs, p };
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

/** A Binomial(n, p) draw: exact for small n, the normal approximation beyond. */
function binomial(n: number, p: number, rng: Rng): number {
  if (n <= 1000) {
    let k = 0;
    for (let i = 0; i < n; i++) if (rng() < p) k++;
    return k;
  }
  const k = Math.round(n * p + Math.sqrt(n * p * (1 - p)) * gaussian(rng));
  return Math.min(n, Math.max(0, k));
}

export function runEstimator(params: unknown, limits: ProgramLimits, shouldStop?: () => boolean) {
  const { pubs, p } = readEstimatorPubs(params, limits);
  const rng = createRng(seedOf(p));
  const results = pubs.map((pub) => {
    const states = new Map<number, StateVector>();
    const stateFor = (b: number): StateVector => {
      let s = states.get(b);
      if (!s) {
        s = new StateVector(pub.circuit.numQubits);
        evolve(s, fuse(bind(pub.circuit.ops, pub.bindings.sets[b] ?? new Map())), shouldStop);
        states.set(b, s);
      }
      return s;
    };
    const n = product(pub.shape);
    const evs = new Float64Array(n);
    const stds = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const state = stateFor(broadcastIndex(k, pub.shape, pub.bindings.shape));
      const obs = pub.observables[broadcastIndex(k, pub.shape, pub.obsShape)] ?? [];
      const exact = obs.map(
        ([label, c]) => [c, pauliExpectation(state, label), /^I*$/.test(label)] as const,
      );
      if (pub.precision > 0) {
        const est = estimate(exact, shotsForPrecision(pub.precision), rng);
        evs[k] = est.ev;
        stds[k] = est.std;
      } else {
        evs[k] = exact.reduce((sum, [c, e]) => sum + c * e, 0);
        stds[k] = 0;
      }
    }
    const fields = {
      evs: floatArray(evs, pub.shape),
      stds: floatArray(stds, pub.shape),
      ensemble_standard_error: floatArray(stds, pub.shape),
    };
    return pubResult('PubResult', dataBin(fields, pub.shape), {
      target_precision: pub.precision,
      shots: shotsForPrecision(pub.precision),
      circuit_metadata: {},
      evs: Array.from(evs),
      stds: Array.from(stds),
    });
  });
  return primitiveResult(results, { version: 2 });
}

export type { Circuit };
