/**
 * PEC and PEA on a calibrated reference backend (ibmq_manila's calibration: readout, T1/T2 and
 * gate errors), against the ideal values in closed form:
 * - PEC with full cancellation recovers the ideal expectation values: exactly at precision 0,
 *   and within 3σ of its reported std with shots, where the unmitigated values are far off;
 * - its std grows with the overhead γ, and an overhead limit leaves part of the noise;
 * - PEA runs the circuit at G times its noise exactly: a Clifford circuit's ⟨P⟩ then decays as
 *   e^{−cG}, so exponential extrapolation recovers the ideal value exactly.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { checkProgram, runProgram } from '../../src/quantum/index.js';
import type { ProgramLimits } from '../../src/quantum/primitives/pubs.js';
import { limitsOf } from '../../src/worker/programs.js';

type J = any;
const MANILA: ProgramLimits = limitsOf(
  loadConfig({
    env: { BERTH_DB: ':memory:' },
    file: { backends: [{ name: 'dev', reference: 'manila', noise: 'calibrated', isa: false }] },
  }).backends[0] as never,
);

/**
 * GHZ on the line 0-1-2, then eight CX pairs (each the identity) and single-qubit gates that
 * cancel: ⟨ZZI⟩ = ⟨IZZ⟩ = ⟨XXX⟩ = 1 ideally, and about 30 noisy gates on the way.
 */
const PAIRS = 'cx q[0], q[1]; cx q[0], q[1]; cx q[1], q[2]; cx q[1], q[2]; '.repeat(4);
const GHZ = `OPENQASM 3.0; include "stdgates.inc"; qubit[3] q;
  h q[0]; cx q[0], q[1]; x q[2]; x q[2]; cx q[1], q[2]; sx q[1]; sx q[1]; sx q[1]; sx q[1]; ${PAIRS}`;
const OBSERVABLES = ['ZZI', 'IZZ', 'XXX'];

function estimate(
  options: object,
  precision = 0,
): { evs: number[]; stds: number[]; data: J; metadata: J } {
  const r = runProgram(
    'estimator',
    {
      pubs: [[GHZ, OBSERVABLES, null, precision]],
      options: { seed: 3, ...options },
      support_qiskit: false,
    },
    MANILA,
  ).result as J;
  const { data, metadata } = r.results[0];
  return { evs: data.evs, stds: data.stds, data, metadata };
}

describe('PEC on the backend’s exact noise model', () => {
  it('recovers the ideal values exactly at precision 0; unmitigated, they are far off', () => {
    const raw = estimate({ resilience_level: 0 });
    for (const ev of raw.evs) expect(ev).toBeLessThan(0.97);
    const pec = estimate({ resilience: { pec_mitigation: true, pec: { max_overhead: null } } });
    for (const ev of pec.evs) expect(ev).toBeCloseTo(1, 9);
    expect(pec.metadata.resilience).toMatchObject({
      pec_mitigation: true,
      measure_mitigation: true,
    });
  });

  it('recovers them within 3σ of its reported std with shots, its std growing with the overhead', () => {
    const precision = 0.02;
    const pec = estimate(
      { resilience: { pec_mitigation: true, pec: { max_overhead: null } } },
      precision,
    );
    const plain = estimate({ resilience_level: 1 }, precision);
    pec.evs.forEach((ev, k) => {
      const std = pec.stds[k] as number;
      expect(std).toBeGreaterThan(0.5 * precision);
      expect(Math.abs(ev - 1)).toBeLessThanOrEqual(3 * std);
      // TREX alone leaves the gate noise: its values sit several of its stds below 1.
      expect(1 - (plain.evs[k] as number)).toBeGreaterThan(3 * (plain.stds[k] as number));
    });
    // The shots PEC takes grow as γ²: more than TREX alone for the same precision.
    expect(pec.metadata.shots).toBeGreaterThan(plain.metadata.shots);
  });

  it('leaves noise in when the overhead is capped, and none is cancelled at noise_gain 1', () => {
    const capped = estimate({ resilience: { pec_mitigation: true, pec: { max_overhead: 1.01 } } });
    const none = estimate({ resilience: { pec_mitigation: true, pec: { noise_gain: 1 } } });
    const full = estimate({ resilience: { pec_mitigation: true, pec: { noise_gain: 0 } } });
    capped.evs.forEach((ev, k) => {
      expect(ev).toBeLessThan(full.evs[k] as number);
      expect(ev).toBeGreaterThan(none.evs[k] as number);
    });
    for (const ev of none.evs) expect(ev).toBeLessThan(0.97);
  });
});

describe('PEA', () => {
  it('amplifies the noise exactly: ⟨P⟩(G) = ⟨P⟩(1)^G, and exponential extrapolation gives 1', () => {
    const r = estimate({
      resilience: {
        zne_mitigation: true,
        zne: { amplifier: 'pea', noise_factors: [1, 1.5, 2], extrapolator: 'exponential' },
      },
    });
    expect(r.metadata.resilience.zne).toMatchObject({
      amplifier: 'pea',
      noise_factors: [1, 1.5, 2],
    });
    const perFactor: number[][] = r.data.evs_noise_factors;
    for (const [e1, e15, e2] of perFactor) {
      expect(e1).toBeLessThan(0.97);
      expect(e15).toBeCloseTo((e1 as number) ** 1.5, 9);
      expect(e2).toBeCloseTo((e1 as number) ** 2, 9);
    }
    for (const ev of r.evs) expect(ev).toBeCloseTo(1, 9);
  });
});

describe('PEC on a wider circuit', () => {
  it('is refused at submission past the density matrix, with PEA suggested instead', () => {
    const kolkata = limitsOf(
      loadConfig({
        env: { BERTH_DB: ':memory:' },
        file: {
          backends: [{ name: 'dev', reference: 'kolkata', noise: 'calibrated', isa: false }],
        },
      }).backends[0] as never,
    );
    const wide = `OPENQASM 3.0; include "stdgates.inc"; qubit[11] q; ${Array.from({ length: 11 }, (_, k) => `x q[${k}];`).join(' ')}`;
    const params = (resilience: object) => ({
      pubs: [[wide, ['Z'.repeat(11)]]],
      options: { resilience },
    });
    expect(() => checkProgram('estimator', params({ pec_mitigation: true }), kolkata)).toThrow(
      /up to 10 active qubits .* acts on 11\); use ZNE with amplifier "pea"/,
    );
    expect(() =>
      checkProgram(
        'estimator',
        params({ zne_mitigation: true, zne: { amplifier: 'pea' } }),
        kolkata,
      ),
    ).not.toThrow();
  });
});
