/**
 * Estimator mitigation against closed form. The pure parts: extrapolators reproduce the curves
 * they model, with the standard error the fit's linear weights give; folding reaches the noise
 * factor asked for; readout acts on a Pauli term as E[z'|z] = a·z + b per qubit; a twirled
 * relaxation keeps the Pauli transfer diagonal of the channel it twirls.
 *
 * End to end (runProgram with calibration-style limits), exactly (precision 0) and with shots:
 * - readout error on ⟨Z⟩ is −1 + 2·p10 on |1⟩; TREX (resilience level 1) returns −1;
 * - a CNOT's depolarizing error keeps (1 − p)^λ of ⟨ZZ⟩ on a Bell pair at noise factor λ,
 *   so exponential ZNE returns the ideal 1 and linear ZNE lands far closer than raw;
 * - stds grow with each mitigation, as the ratio and the extrapolation weights predict.
 */
import { describe, expect, it } from 'vitest';
import { bind, twirlRelax } from '../compile/bind.js';
import { depolarizingParam } from '../noise/gate-noise.js';
import { runProgram } from '../index.js';
import { extrapolate, foldPlan, readResilience, readoutExpectation } from './mitigation.js';
import { parseQasm } from '../frontend/qasm/parser.js';
import { createRng } from '../rng.js';

type J = any;
const H = 'OPENQASM 3.0; include "stdgates.inc";';
const base = { maxQubits: 3, maxShots: 100_000, maxExperiments: 10 };

function estimate(
  qasm: string,
  observables: unknown,
  limits: object,
  options: object = {},
  precision?: number,
): { evs: number[]; stds: number[]; data: J; metadata: J } {
  const pub = precision === undefined ? [qasm, observables] : [qasm, observables, null, precision];
  const r = runProgram(
    'estimator',
    { pubs: [pub], options: { seed: 7, ...options }, support_qiskit: false },
    { ...base, ...limits } as J,
  ).result as J;
  const { data, metadata } = r.results[0];
  return { evs: [data.evs].flat(), stds: [data.stds].flat(), data, metadata };
}

describe('extrapolators', () => {
  const xs = [1, 3, 5];
  it('reproduce a line, a parabola and an exponential exactly at 0', () => {
    const line = xs.map((x) => 0.9 - 0.05 * x);
    expect(extrapolate('linear', xs, line, [0, 0, 0], 0)?.value).toBeCloseTo(0.9, 12);
    const parabola = xs.map((x) => 0.8 - 0.1 * x + 0.01 * x * x);
    expect(extrapolate('polynomial_degree_2', xs, parabola, [0, 0, 0], 0)?.value).toBeCloseTo(
      0.8,
      12,
    );
    const decay = xs.map((x) => -0.7 * Math.exp(-x / 4));
    expect(extrapolate('exponential', xs, decay, [0, 0, 0], 0)?.value).toBeCloseTo(-0.7, 12);
  });

  it('give the linear fit’s standard error: σ·√(Σ g²) with g = (13, 4, −5)/12 at 0 for 1, 3, 5', () => {
    const fit = extrapolate('linear', xs, [0.5, 0.4, 0.3], [0.01, 0.01, 0.01], 0);
    expect(fit?.std).toBeCloseTo(0.01 * Math.sqrt((169 + 16 + 25) / 144), 12);
  });

  it('refuse an exponential through values of both signs (the next extrapolator is tried)', () => {
    expect(extrapolate('exponential', xs, [0.2, -0.1, 0.05], [0, 0, 0], 0)).toBeNull();
  });
});

describe('options and folding', () => {
  it('follow IBM’s levels: 0 nothing, 1 TREX with measurement twirling (default), 2 adds ZNE and gate twirling', () => {
    const at = (level?: number) =>
      readResilience(level === undefined ? {} : { resilience_level: level }, {});
    expect(at(0)).toMatchObject({
      measureMitigation: false,
      measureTwirling: false,
      gateTwirling: false,
      zne: null,
    });
    expect(at()).toMatchObject({
      level: 1,
      measureMitigation: true,
      measureTwirling: true,
      zne: null,
    });
    expect(at(2)).toMatchObject({ measureMitigation: true, gateTwirling: true });
    expect(at(2).zne).toMatchObject({
      noiseFactors: [1, 3, 5],
      extrapolators: ['exponential', 'linear'],
    });
    // Explicit options win over the level.
    const own = readResilience(
      {
        resilience_level: 2,
        resilience: { zne_mitigation: false },
        twirling: { enable_gates: false },
      },
      {},
    );
    expect(own).toMatchObject({ zne: null, gateTwirling: false });
  });

  it('name the allowed values for a bad option', () => {
    expect(() => readResilience({ resilience_level: 3 }, {})).toThrow(/from 0 to 2/);
    expect(() =>
      readResilience({ resilience: { zne_mitigation: true, zne: { extrapolator: 'cubic' } } }, {}),
    ).toThrow(/linear, exponential/);
    expect(() =>
      readResilience(
        {
          resilience: {
            zne_mitigation: true,
            zne: { extrapolator: 'polynomial_degree_3', noise_factors: [1, 3] },
          },
        },
        {},
      ),
    ).toThrow(/at least 4 distinct noise factors/);
    expect(() =>
      readResilience({ resilience: { pec_mitigation: true, zne_mitigation: true } }, {}),
    ).toThrow(/cannot both be true/);
    expect(() =>
      readResilience({ resilience: { pec_mitigation: true, layer_noise_model: [] } }, {}),
    ).toThrow(/layer_noise_model/);
    // Level 2 with PEC: PEC, not ZNE; and PEC twirls the gates.
    expect(
      readResilience({ resilience_level: 2, resilience: { pec_mitigation: true } }, {}),
    ).toMatchObject({
      zne: null,
      pec: { maxOverhead: 100, noiseGain: 'auto' },
      gateTwirling: true,
    });
  });

  it('fold every two-qubit gate (λ − 1)/2 times, and a subset once more for a fraction', () => {
    const rng = createRng(1);
    expect(foldPlan(3, 4, 'gate_folding', rng)).toEqual({ folds: [1, 1, 1, 1], reached: 3 });
    expect(foldPlan(2, 4, 'gate_folding_front', rng)).toEqual({ folds: [1, 1, 0, 0], reached: 2 });
    expect(foldPlan(2, 4, 'gate_folding_back', rng)).toEqual({ folds: [0, 0, 1, 1], reached: 2 });
    const random = foldPlan(2.5, 4, 'gate_folding', rng);
    expect(random.folds.reduce((s, f) => s + f, 0)).toBe(3);
    expect(random.reached).toBe(2.5);
    // A folded circuit is still the ideal circuit: each fold adds G†·G.
    const ops = parseQasm(`${H} qubit[2] q; h q[0]; cx q[0], q[1];`, { markGates: true }).ops;
    const folded = bind(ops, new Map(), { folds: [2] });
    expect(folded.filter((o) => o.kind === 'u').length).toBe(1 + 5);
  });
});

describe('readout on a Pauli term', () => {
  it('reads ⟨Z⟩ on |0⟩ as 1 − 2·p01, on |1⟩ as −1 + 2·p10, and a ZZ as the product', () => {
    const [p01, p10] = [0.02, 0.07];
    const a = [1 - p01 - p10, 1 - 0.01 - 0.03];
    const b = [p10 - p01, 0.03 - 0.01];
    expect(readoutExpectation('Z', a, b, () => 1)).toBeCloseTo(1 - 2 * p01, 12);
    expect(readoutExpectation('Z', a, b, () => -1)).toBeCloseTo(-1 + 2 * p10, 12);
    expect(readoutExpectation('ZZ', a, b, () => 1)).toBeCloseTo((1 - 2 * p01) * (1 - 2 * 0.01), 12);
  });

  it('twirls relaxation into a Pauli channel with the same Pauli transfer diagonal', () => {
    const [gamma, pZ] = [0.2, 0.05];
    const t = twirlRelax({ qubit: 0, gamma, pZ });
    expect(1 - 2 * (t.px + t.py)).toBeCloseTo(1 - gamma, 12); // Z → (1 − γ)·Z
    expect(1 - 2 * (t.py + t.pz)).toBeCloseTo(Math.sqrt(1 - gamma) * (1 - 2 * pZ), 12); // X
    expect(1 - 2 * (t.px + t.pz)).toBeCloseTo(Math.sqrt(1 - gamma) * (1 - 2 * pZ), 12); // Y
    // Twirling applies to two-qubit Clifford gates only: cx's relaxation turns Pauli, x's stays.
    const ops = parseQasm(`${H} qubit[2] q; x q[0]; cx q[0], q[1];`, { markGates: true }).ops;
    const noise = {
      gates: { table: { 'x:0': { error: 0, length: 1e-6 }, 'cx:0_1': { error: 0, length: 1e-6 } } },
      relaxation: { t1: [50e-6, 50e-6], t2: [40e-6, 40e-6], dt: null },
    };
    const kinds = (twirl: boolean) => bind(ops, new Map(), { ...noise, twirl }).map((o) => o.kind);
    expect(kinds(false).filter((k) => k === 'relax')).toHaveLength(3);
    expect(kinds(true).filter((k) => k === 'relax')).toHaveLength(1);
    expect(kinds(true).filter((k) => k === 'pauli')).toHaveLength(2);
  });
});

describe('estimator on a noisy backend', () => {
  const readout = { p01: [0.02, 0.01], p10: [0.07, 0.05] };

  it('reads ⟨Z⟩ of |1⟩ as −1 + 2·p10 unmitigated, and TREX restores −1', () => {
    const circuit = `${H} qubit[1] q; x q[0];`;
    const raw = estimate(circuit, ['Z'], { readout }, { resilience_level: 0 });
    expect(raw.evs[0]).toBeCloseTo(-1 + 2 * 0.07, 12);
    const trex = estimate(circuit, ['Z'], { readout }, { resilience_level: 1 });
    expect(trex.evs[0]).toBeCloseTo(-1, 12);
    expect(trex.metadata.resilience).toMatchObject({ level: 1, measure_mitigation: true });
  });

  it('with shots, TREX lands within 5σ of −1 where raw is 0.14 off, and its std is larger by about 1/a', () => {
    const circuit = `${H} qubit[1] q; x q[0];`;
    const raw = estimate(circuit, ['Z'], { readout }, { resilience_level: 0 }, 0.005);
    const trex = estimate(circuit, ['Z'], { readout }, { resilience_level: 1 }, 0.005);
    const [r, t] = [raw.evs[0] as number, trex.evs[0] as number];
    expect(Math.abs(r + 1)).toBeGreaterThan(0.12);
    expect(Math.abs(t + 1)).toBeLessThan(5 * (trex.stds[0] as number));
    // Mitigated: the measurement's error over a, plus the calibration's.
    expect(trex.stds[0] as number).toBeGreaterThan((raw.stds[0] as number) / (1 - 0.09));
  });

  it('extrapolates a Bell pair’s ⟨ZZ⟩ = (1 − p)^λ to the ideal 1 (exponential), linear within a quarter of raw’s error', () => {
    const error = 0.03;
    const p = depolarizingParam(error, 2);
    const gateNoise = { table: { 'cx:0_1': { error, length: 0 } } };
    const circuit = `${H} qubit[2] q; h q[0]; cx q[0], q[1];`;
    const raw = estimate(circuit, ['ZZ'], { gateNoise }, { resilience_level: 0 });
    expect(raw.evs[0]).toBeCloseTo(1 - p, 12);
    const zne = (extrapolator: string) =>
      estimate(
        circuit,
        ['ZZ'],
        { gateNoise },
        {
          resilience_level: 0,
          resilience: { zne_mitigation: true, zne: { extrapolator, noise_factors: [1, 3, 5] } },
        },
      );
    const exp = zne('exponential');
    expect(exp.evs[0]).toBeCloseTo(1, 10);
    expect(exp.data.evs_noise_factors[0]).toEqual(
      [1, 3, 5].map((l) => expect.closeTo((1 - p) ** l, 12)),
    );
    const lin = zne('linear');
    const rawError = Math.abs((raw.evs[0] as number) - 1);
    // The least-squares line through (λ, q^λ) at 0: (13·q + 4·q³ − 5·q⁵)/12, q = 1 − p.
    const q = 1 - p;
    expect(lin.evs[0]).toBeCloseTo((13 * q + 4 * q ** 3 - 5 * q ** 5) / 12, 12);
    expect(Math.abs((lin.evs[0] as number) - 1)).toBeLessThan(0.25 * rawError);
    // evs_extrapolated: one row per extrapolator, one column per point (0, 1, 3, 5).
    expect(lin.data.evs_extrapolated[0][0][0]).toBeCloseTo(lin.evs[0] as number, 12);
    expect(lin.data.evs_extrapolated[0][0]).toHaveLength(4);
  });

  it('with shots, ZNE’s std exceeds the raw one by the extrapolation’s weights (about 1.2× for linear on 1, 3, 5)', () => {
    const gateNoise = { table: { 'cx:0_1': { error: 0.03, length: 0 } } };
    const circuit = `${H} qubit[2] q; h q[0]; cx q[0], q[1];`;
    const raw = estimate(circuit, ['XX'], { gateNoise }, { resilience_level: 0 }, 0.01);
    const lin = estimate(
      circuit,
      ['XX'],
      { gateNoise },
      {
        resilience_level: 0,
        resilience: { zne_mitigation: true, zne: { extrapolator: 'linear' } },
      },
      0.01,
    );
    expect((lin.stds[0] as number) / (raw.stds[0] as number)).toBeGreaterThan(1.1);
    expect(Math.abs((lin.evs[0] as number) - 1)).toBeLessThan(5 * (lin.stds[0] as number));
  });
});
