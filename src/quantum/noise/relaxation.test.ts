/**
 * Relaxation over `delay`, against closed form: |1⟩ decays as exp(−t/T1), and a Ramsey
 * sequence (h, delay, h) keeps P(0) = (1 + exp(−t/T2))/2, with T2 capped at 2·T1 as Aer caps
 * it. Bounds are five binomial standard deviations.
 */
import { describe, expect, it } from 'vitest';
import { expectNear, shareOfOnes as share } from '../../../test/helpers/shots.js';
import { runProgram } from '../index.js';
import { relaxChannel } from './relaxation.js';

type J = any;
const H = 'OPENQASM 3.0; include "stdgates.inc";';
const N = 20_000;
const us = 1e-6;

function shareOfOnes(qasm: string, t1: number[], t2: number[], dt: number | null = null): number[] {
  const limits = {
    maxQubits: 3,
    maxShots: 100_000,
    maxExperiments: 10,
    relaxation: { t1, t2, dt },
  };
  const r = runProgram('sampler', { pubs: [[qasm, null, N]], options: { seed: 3 } }, limits)
    .result as J;
  const counts = r.__value__.pub_results[0].__value__.metadata.counts.c as Record<string, number>;
  const width = Object.keys(counts)[0]?.length ?? 0;
  return Array.from({ length: width }, (_, k) => share(counts, k, N));
}

const near = (got: number | undefined, p: number): void => expectNear(got, p, N);

describe('relaxation during delay', () => {
  it('decays |1⟩ as exp(−t/T1), each qubit with its own T1', () => {
    for (const t of [10, 50, 150]) {
      const got = shareOfOnes(
        `${H} qubit[2] q; bit[2] c; x q; delay[${t}us] q; c = measure q;`,
        [100 * us, 30 * us],
        [100 * us, 30 * us],
      );
      near(got[0], Math.exp(-t / 100));
      near(got[1], Math.exp(-t / 30));
    }
  });

  it('dephases a Ramsey sequence as exp(−t/T2), for T2 below T1, between T1 and 2·T1, and capped at 2·T1', () => {
    const t = 40;
    const ramsey = `${H} qubit[3] q; bit[3] c; h q; delay[${t}us] q; h q; c = measure q;`;
    const got = shareOfOnes(ramsey, [100 * us, 50 * us, 20 * us], [30 * us, 80 * us, 500 * us]);
    near(got[0], (1 - Math.exp(-t / 30)) / 2);
    near(got[1], (1 - Math.exp(-t / 80)) / 2);
    near(got[2], (1 - Math.exp(-t / 40)) / 2);
  });

  it('reads delay durations in dt, ns, us, ms and s alike', () => {
    const dt = 0.5e-9;
    const body = (d: string) =>
      `${H} qubit[1] q; bit[1] c; x q[0]; delay[${d}] q[0]; c = measure q;`;
    for (const d of ['40000dt', '20000ns', '20us', '0.02ms', '0.00002s'])
      near(shareOfOnes(body(d), [40 * us], [40 * us], dt)[0], Math.exp(-0.5));
  });

  it('splits by T1 and T2 as Aer’s channel does: populations by exp(−t/T1), coherence by exp(−t/T2)', () => {
    const { gamma, pZ } = relaxChannel(100 * us, 30 * us, 20 * us);
    expect(1 - gamma).toBeCloseTo(Math.exp(-0.2), 12);
    expect(Math.sqrt(1 - gamma) * (1 - 2 * pZ)).toBeCloseTo(Math.exp(-20 / 30), 12);
    expect(relaxChannel(100 * us, 30 * us, 0)).toEqual({ gamma: 0, pZ: 0 });
  });

  it('is skipped without relaxation: a delay changes nothing', () => {
    const r = runProgram(
      'sampler',
      { pubs: [[`${H} qubit[1] q; bit[1] c; x q[0]; delay[1s] q[0]; c = measure q;`, null, 50]] },
      { maxQubits: 1, maxShots: 100, maxExperiments: 1 },
    ).result as J;
    expect(r.__value__.pub_results[0].__value__.metadata.counts.c).toEqual({ '1': 50 });
  });

  it('refuses a delay without a unit, naming the units', () => {
    expect(() =>
      shareOfOnes(`${H} qubit[1] q; bit[1] c; delay[10 parsecs] q[0]; c = measure q;`, [1], [1]),
    ).toThrow(/'parsecs' is not a duration unit \(allowed: dt, ns, us, ms, s\)/);
  });
});
