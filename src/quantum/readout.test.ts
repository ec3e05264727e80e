/**
 * Readout error: each qubit misreads |0⟩ and |1⟩ at its own rate, the state collapses to the
 * true outcome, and a condition on a misread bit sees the recorded value (as in Aer). Bounds are
 * five standard deviations of a binomial count, so a correct sampler fails about once in 10^6.
 */
import { describe, expect, it } from 'vitest';
import { runProgram } from './index.js';

type J = any;
const H = 'OPENQASM 3.0; include "stdgates.inc";';
const N = 40_000;
const READOUT = { p01: [0.1, 0.02, 0], p10: [0.05, 0.2, 0.3] };
const LIMITS = { maxQubits: 3, maxShots: 100_000, maxExperiments: 10, readout: READOUT };

function counts(qasm: string, limits: object = LIMITS, seed = 11): Record<string, number> {
  const r = runProgram('sampler', { pubs: [[qasm, null, N]], options: { seed } }, limits as J)
    .result as J;
  return r.__value__.pub_results[0].__value__.metadata.counts.c;
}

/** The share of shots whose bitstring (c[n-1]…c[0]) has bit `k` set. */
function shareOfOnes(c: Record<string, number>, k: number): number {
  let ones = 0;
  for (const [bits, n] of Object.entries(c)) if (bits[bits.length - 1 - k] === '1') ones += n;
  return ones / N;
}

function expectNear(got: number, p: number): void {
  const sigma = Math.sqrt((p * (1 - p)) / N);
  expect(Math.abs(got - p), `got ${got}, expected ${p} ± ${5 * sigma}`).toBeLessThanOrEqual(
    5 * sigma + 1e-12,
  );
}

describe('readout error', () => {
  it('misreads |0⟩ as 1 and |1⟩ as 0 at each qubit’s own rates', () => {
    const zero = counts(`${H} qubit[3] q; bit[3] c; c = measure q;`);
    for (let q = 0; q < 3; q++) expectNear(shareOfOnes(zero, q), READOUT.p01[q] as number);
    const one = counts(`${H} qubit[3] q; bit[3] c; x q; c = measure q;`);
    for (let q = 0; q < 3; q++) expectNear(shareOfOnes(one, q), 1 - (READOUT.p10[q] as number));
  });

  it('misreads independently per qubit: P(00) on |00⟩ is (1 − p01[0])(1 − p01[1])', () => {
    const c = counts(`${H} qubit[2] q; bit[2] c; c = measure q;`);
    expectNear((c['00'] ?? 0) / N, 0.9 * 0.98);
  });

  it('follows the physical qubit a measurement reads, not the clbit it writes', () => {
    // q[2] (never misreads 0) into c[0], q[0] (misreads 0 one time in ten) into c[1].
    const c = counts(`${H} qubit[3] q; bit[2] c; c[0] = measure q[2]; c[1] = measure q[0];`);
    expectNear(shareOfOnes(c, 0), 0);
    expectNear(shareOfOnes(c, 1), 0.1);
  });

  it('collapses to the true outcome mid-circuit; a condition sees the recorded bit', () => {
    // q[0] is |0⟩: c[0] reads 1 one time in ten, and then q[1] is flipped. Measuring q[0] again
    // finds 0 (it was never 1), so c[2] misreads independently of c[0].
    const c = counts(
      `${H} qubit[3] q; bit[3] c; c[0] = measure q[0]; if (c[0]) x q[1]; c[1] = measure q[1]; c[2] = measure q[0];`,
    );
    // c[1] = 1 when c[0] read 1 and q[1] (then |1⟩) reads right, or c[0] read 0 and q[1] misreads.
    expectNear(shareOfOnes(c, 1), 0.1 * (1 - 0.2) + 0.9 * 0.02);
    expectNear((c['111'] ?? 0) / N, 0.1 * 0.8 * 0.1);
    expectNear(shareOfOnes(c, 2), 0.1);
  });

  it('keeps the true outcome for a second measurement when the first misread (|+⟩ on q[0])', () => {
    // Four groups: found 0 or 1, each read right or wrong. Reading twice agrees on the true
    // value: P(both 1) = ½·0.95² + ½·0.1², not what independent coins would give.
    const c = counts(
      `${H} qubit[3] q; bit[2] c; h q[0]; c[0] = measure q[0]; c[1] = measure q[0];`,
    );
    expectNear((c['11'] ?? 0) / N, 0.5 * 0.95 ** 2 + 0.5 * 0.1 ** 2);
    expectNear((c['00'] ?? 0) / N, 0.5 * 0.9 ** 2 + 0.5 * 0.05 ** 2);
    const mid = counts(
      `${H} qubit[3] q; bit[2] c; h q[0]; c[0] = measure q[0]; if (c[0]) x q[2]; c[1] = measure q[0];`,
    );
    expectNear((mid['11'] ?? 0) / N, 0.5 * 0.95 ** 2 + 0.5 * 0.1 ** 2);
  });

  it('reads exactly without a readout table, and the same seed gives the same counts', () => {
    const qasm = `${H} qubit[2] q; bit[2] c; h q[0]; cx q[0], q[1]; c[0] = measure q[0]; if (c[0]) x q[1]; c[1] = measure q[1];`;
    const ideal = { maxQubits: 3, maxShots: 100_000, maxExperiments: 10 };
    expect(Object.keys(counts(qasm, ideal)).sort()).toEqual(['00', '01']);
    expect(counts(qasm, ideal)).toEqual(counts(qasm, ideal));
    expect(Object.keys(counts(qasm)).length).toBeGreaterThan(2);
  });
});
