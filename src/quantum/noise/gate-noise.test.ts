/**
 * Gate errors as Aer's NoiseModel.from_backend sizes them, against closed form: the
 * depolarizing parameter makes depolarizing-then-relaxation have exactly the reported average
 * gate error; a depolarizing channel commutes with every unitary on its qubits, so a Bell pair
 * built with m noisy CNOTs keeps (1 − p)^m of itself; and repeated noisy X gates shrink the
 * Bloch vector by (1 − p) each. Counting bounds are five binomial standard deviations.
 */
import { describe, expect, it } from 'vitest';
import { depolarizingParam, relaxationFidelity } from './gate-noise.js';
import { expectNear, shareOfOnes } from '../../../test/helpers/shots.js';
import { runProgram } from '../index.js';
import { relaxChannel } from './relaxation.js';

type J = any;
const H = 'OPENQASM 3.0; include "stdgates.inc";';
const N = 20_000;
const us = 1e-6;

function counts(qasm: string, limits: object): Record<string, number> {
  const base = { maxQubits: 3, maxShots: 100_000, maxExperiments: 10 };
  const r = runProgram('sampler', { pubs: [[qasm, null, N]], options: { seed: 21 } }, {
    ...base,
    ...limits,
  } as J).result as J;
  return r.__value__.pub_results[0].__value__.metadata.counts.c;
}

const near = (got: number, p: number): void => expectNear(got, p, N);

describe('gate errors', () => {
  it('size the depolarizing part so that, with relaxation, the average gate error is the reported one', () => {
    // One qubit: F_avg = (2·F_pro + 1)/3, F_pro of depolarizing-then-relaxation is
    // ((1 − p)·Tr(S_relax) + p)/4, and Tr(S_relax) = 1 + (1 − γ) + 2·coherence.
    const [t1, t2, length, error] = [100 * us, 60 * us, 0.2 * us, 0.004];
    const { gamma, pZ } = relaxChannel(t1, t2, length);
    const trace = 2 - gamma + 2 * Math.sqrt(1 - gamma) * (1 - 2 * pZ);
    const p = depolarizingParam(error, 1, relaxationFidelity([relaxChannel(t1, t2, length)]));
    const fidelity = (2 * (((1 - p) * trace + p) / 4) + 1) / 3;
    expect(1 - fidelity).toBeCloseTo(error, 12);
    // Without relaxation the depolarizing channel carries it all: error = p·(1 − 1/d).
    expect(depolarizingParam(0.01, 1)).toBeCloseTo(0.02, 12);
    expect(depolarizingParam(0.01, 2)).toBeCloseTo(0.01 / 0.75, 12);
    // An error below what relaxation alone causes gives no depolarizing part (Aer's rule), and
    // an unphysical one is capped at 4^n/(4^n − 1).
    expect(depolarizingParam(1e-6, 1, 0.999)).toBe(0);
    expect(depolarizingParam(0.9, 1)).toBeCloseTo(4 / 3, 12);
  });

  it('keep (1 − p)^m of a Bell pair made with m noisy CNOTs, and leave the rest uniform', () => {
    const error = 0.02;
    const p = depolarizingParam(error, 2);
    const gateNoise = { table: { 'cx:0_1': { error, length: 0 } } };
    for (const m of [1, 9, 31]) {
      const cxs = Array.from({ length: m }, () => 'cx q[0], q[1];').join(' ');
      const c = counts(`${H} qubit[2] q; bit[2] c; h q[0]; ${cxs} c = measure q;`, { gateNoise });
      const kept = (1 - p) ** m;
      near(((c['00'] ?? 0) + (c['11'] ?? 0)) / N, kept + (1 - kept) / 2);
    }
  });

  it('shrink |0⟩ under 20 noisy X gates as (1 − p)^20, only on the calibrated qubit', () => {
    const gateNoise = { table: { 'x:0': { error: 0.01, length: 0 } } };
    const xs = Array.from({ length: 20 }, () => 'x q[0]; x q[1];').join(' ');
    const c = counts(`${H} qubit[2] q; bit[2] c; ${xs} c = measure q;`, { gateNoise });
    const ones = (k: number) => shareOfOnes(c, k, N);
    near(ones(0), (1 - 0.98 ** 20) / 2);
    expect(ones(1)).toBe(0);
  });

  it('relax over a gate’s length: one X of 30 µs on T1 = 100 µs reads 1 with exp(−0.3)', () => {
    const gateNoise = { table: { 'x:0': { error: 0, length: 30 * us } } };
    const relaxation = { t1: [100 * us], t2: [100 * us], dt: null };
    const c = counts(`${H} qubit[1] q; bit[1] c; x q[0]; c = measure q;`, {
      gateNoise,
      relaxation,
    });
    near((c['1'] ?? 0) / N, Math.exp(-0.3));
  });
});
