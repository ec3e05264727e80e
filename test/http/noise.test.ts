/**
 * Noise from a reference calibration, over HTTP on ibm_brisbane's snapshot. `readout`: each
 * physical qubit misreads as its calibration says (qubit 95 reads |1⟩ as 0 almost half the
 * time; qubit 5 reads |0⟩ as 1 more than a third of the time), and the same device without
 * noise reads exactly. `relaxation`: delays decay and dephase with each qubit's T1 and T2.
 * `gates` (on ibmq_kolkata): a Bell pair loses fidelity with depth as depolarizing predicts.
 * The estimator on the fully calibrated ibmq_kolkata: resilience levels 1 and 2 move a GHZ
 * state's expectation values toward the ideal, and their stds grow.
 * Bounds are five binomial standard deviations.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { shareOfOnes } from '../helpers/shots.js';
import { DEFAULT_CRN, testRuntime } from '../helpers/test-runtime.js';

const SHOTS = 20_000;

type Param = { name: string; value: number };
/** A reference device's properties document, as Berth ships it. */
const propertiesOf = (device: string) =>
  JSON.parse(
    readFileSync(
      new URL(`../../reference/ibm-backends/props_${device}.json`, import.meta.url),
      'utf8',
    ),
  ) as { qubits: Param[][]; gates: { name: string; parameters: Param[] }[] };
const brisbane = propertiesOf('brisbane');
const calibration = (q: number, name: string): number =>
  brisbane.qubits[q]?.find((x) => x.name === name)?.value as number;

/** A server with one backend `device`; runs sampler jobs of SHOTS shots and returns counts. */
async function device(backend: Record<string, unknown>) {
  const t = await testRuntime({
    file: {
      instances: [{ id: DEFAULT_CRN, name: 'default' }],
      backends: [{ name: 'device', ...backend }],
    },
    executor: 'simulator',
  });
  return async (qasm: string, seed: number): Promise<Record<string, number>> => {
    const { submitted, result } = await t.runJob({
      program_id: 'sampler',
      backend: 'device',
      params: { version: 2, pubs: [[qasm, null, SHOTS]], options: { seed } },
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    return result.__value__.pub_results[0].__value__.metadata.counts.c;
  };
}

// Physical qubits, the state each is prepared in; qubit k is read into c[k].
const PLAN = [
  { qubit: 95, one: true },
  { qubit: 5, one: false },
  { qubit: 11, one: true },
  { qubit: 12, one: false },
  { qubit: 68, one: true },
] as const;
const QASM = `OPENQASM 3.0; include "stdgates.inc"; bit[${PLAN.length}] c;
  ${PLAN.filter((p) => p.one)
    .map((p) => `x $${p.qubit};`)
    .join(' ')}
  ${PLAN.map((p, k) => `c[${k}] = measure $${p.qubit};`).join(' ')}`;

async function readoutShares(noise: string | string[]): Promise<number[]> {
  const run = await device({ reference: 'brisbane', noise });
  const counts = await run(QASM, 5);
  return PLAN.map((_, k) => shareOfOnes(counts, k, SHOTS));
}

describe('readout noise from a calibration', () => {
  it("misreads each of ibm_brisbane's qubits as its calibration says, |0⟩ and |1⟩ apart", async () => {
    const got = await readoutShares('readout');
    PLAN.forEach(({ qubit, one }, k) => {
      const p = one
        ? 1 - calibration(qubit, 'prob_meas0_prep1')
        : calibration(qubit, 'prob_meas1_prep0');
      const bound = 5 * Math.sqrt((p * (1 - p)) / SHOTS);
      expect(Math.abs((got[k] as number) - p), `qubit ${qubit}: ${got[k]} vs ${p}`).toBeLessThan(
        bound,
      );
    });
    // The two worst readouts are far from ideal: the test would notice readout being ignored.
    expect(got[0]).toBeLessThan(0.6);
    expect(got[1]).toBeGreaterThan(0.3);
  });

  it('reads exactly on the same device without noise', async () => {
    expect(await readoutShares('none')).toEqual(PLAN.map((p) => (p.one ? 1 : 0)));
  });
});

describe('relaxation from a calibration', () => {
  // ibm_brisbane: qubit 48 has T1 22.3 µs; qubit 119 has T1 9.9 µs and T2 139 µs, which Aer
  // caps at 2·T1 = 19.9 µs. dt is 0.5 ns, so 40,000 dt is 20 µs.
  it('decays x; delay as exp(−t/T1) and dephases sx; delay; sx as exp(−t/min(T2, 2·T1)), in dt as transpiled circuits write it', async () => {
    const run = await device({ reference: 'brisbane', noise: ['relaxation'] });
    const counts = await run(
      `OPENQASM 3.0; include "stdgates.inc"; bit[2] c;
      x $48; sx $119; delay[40000dt] $48, $119; sx $119;
      c[0] = measure $48; c[1] = measure $119;`,
      9,
    );
    const share = (k: number): number => shareOfOnes(counts, k, SHOTS);
    const us = 1e-6;
    const t1of48 = calibration(48, 'T1') * us;
    const t1of119 = calibration(119, 'T1') * us;
    const t2of119 = Math.min(calibration(119, 'T2') * us, 2 * t1of119);
    const expected = [Math.exp((-20 * us) / t1of48), (1 + Math.exp((-20 * us) / t2of119)) / 2];
    expected.forEach((p, k) => {
      const bound = 5 * Math.sqrt((p * (1 - p)) / SHOTS);
      expect(Math.abs(share(k) - p), `c[${k}]: ${share(k)} vs ${p}`).toBeLessThan(bound);
    });
  });
});

describe('gate errors from a calibration', () => {
  // ibmq_kolkata's cx 7→10 reports an error of 0.00809. Depolarizing commutes with every
  // unitary on its two qubits, so after m noisy CNOTs a Bell pair keeps (1 − p)^m of itself,
  // with p = 4/3 · error (Aer's parameter without relaxation), and the rest is uniform.
  it('makes a Bell pair lose fidelity with depth as the depolarizing model predicts', async () => {
    const run = await device({ reference: 'kolkata', noise: 'gates' });
    // The sx that makes |+⟩ has an error of 2·10⁻⁴, well inside the bound.
    const p = (4 / 3) * kolkataGateError('cx7_10');
    for (const m of [1, 21, 61]) {
      const qasm = `OPENQASM 3.0; include "stdgates.inc"; bit[2] c;
        rz(pi/2) $7; sx $7; rz(pi/2) $7; ${'cx $7, $10; '.repeat(m)}
        c[0] = measure $7; c[1] = measure $10;`;
      const counts = await run(qasm, m);
      const kept = (1 - p) ** m;
      const expected = kept + (1 - kept) / 2;
      const got = ((counts['00'] ?? 0) + (counts['11'] ?? 0)) / SHOTS;
      const bound = 5 * Math.sqrt((expected * (1 - expected)) / SHOTS);
      expect(Math.abs(got - expected), `m = ${m}: ${got} vs ${expected}`).toBeLessThan(bound);
    }
  });
});

function kolkataGateError(name: string): number {
  return propertiesOf('kolkata')
    .gates.find((g) => g.name === name)
    ?.parameters.find((x) => x.name === 'gate_error')?.value as number;
}

describe('estimator mitigation on a calibrated device', () => {
  // A GHZ state on ibmq_kolkata's qubits 7, 10 and 12 (cx 7→10, 10→12), with every kind of
  // noise from the calibration, then H (rz·sx·rz) on each qubit: ⟨Z7 Z10⟩, ⟨Z10 Z12⟩ and
  // ⟨X7 X10 X12⟩ of the GHZ state, all 1 ideally, are ⟨X7 X10⟩, ⟨X10 X12⟩ and ⟨Z7 Z10 Z12⟩ of
  // the rotated one. Observables of an ISA circuit span the device's 27 qubits.
  const label = (paulis: Record<number, string>): string =>
    Array.from({ length: 27 }, (_, k) => paulis[26 - k] ?? 'I').join('');
  const qasm = `OPENQASM 3.0; include "stdgates.inc";
    rz(pi/2) $7; sx $7; rz(pi/2) $7; cx $7, $10; cx $10, $12;
    rz(pi/2) $7; sx $7; rz(pi/2) $7; rz(pi/2) $10; sx $10; rz(pi/2) $10; rz(pi/2) $12; sx $12; rz(pi/2) $12;`;
  const rotated = [
    label({ 7: 'X', 10: 'X' }),
    label({ 10: 'X', 12: 'X' }),
    label({ 7: 'Z', 10: 'Z', 12: 'Z' }),
  ];

  async function estimator(options: object, precision = 0) {
    const t = await testRuntime({
      file: {
        instances: [{ id: DEFAULT_CRN, name: 'default' }],
        backends: [{ name: 'device', reference: 'kolkata', noise: 'calibrated' }],
      },
      executor: 'simulator',
    });
    const { submitted, result } = await t.runJob({
      program_id: 'estimator',
      backend: 'device',
      params: {
        version: 2,
        support_qiskit: false,
        pubs: [[qasm, rotated, null, precision]],
        options: { seed: 11, ...options },
      },
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    return result.results[0].data as { evs: number[]; stds: number[] };
  }

  it('moves every estimate toward the ideal: level 1 (TREX) closer than 0, level 2 (ZNE) within a fifth of 0’s error', async () => {
    const errors = [];
    for (const level of [0, 1, 2]) {
      const { evs } = await estimator({ resilience_level: level });
      errors.push(evs.map((ev) => Math.abs(ev - 1)));
    }
    const [e0, e1, e2] = errors as number[][];
    (e0 as number[]).forEach((raw, k) => {
      expect(raw, `observable ${k} unmitigated`).toBeGreaterThan(0.02);
      expect(e1?.[k], `observable ${k}, level 1`).toBeLessThan(raw);
      expect(e2?.[k], `observable ${k}, level 2`).toBeLessThan(0.2 * raw);
    });
  });

  it('with shots, the mitigated stds grow (level 2 above level 1 above level 0) and the estimates stay within 5σ of their exact values', async () => {
    const stds = [];
    for (const level of [0, 1, 2]) {
      const exact = await estimator({ resilience_level: level });
      const sampled = await estimator({ resilience_level: level }, 0.01);
      sampled.evs.forEach((ev, k) =>
        expect(Math.abs(ev - (exact.evs[k] as number))).toBeLessThan(
          5 * (sampled.stds[k] as number),
        ),
      );
      stds.push(sampled.stds);
    }
    const [s0, s1, s2] = stds as number[][];
    (s0 as number[]).forEach((s, k) => {
      expect(s1?.[k]).toBeGreaterThan(s);
      expect(s2?.[k]).toBeGreaterThan(s1?.[k] as number);
    });
  });
});
