/**
 * Readout error: each qubit misreads |0⟩ and |1⟩ at its own rate, the state collapses to the
 * true outcome, and a condition on a misread bit sees the recorded value (as in Aer). Bounds are
 * five standard deviations of a binomial count, so a correct sampler fails about once in 10^6.
 */
import { describe, expect, it } from 'vitest';
import { expectNear, shareOfOnes } from '../../../test/helpers/shots.js';
import { runProgram } from '../index.js';

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

const near = (got: number, p: number): void => expectNear(got, p, N);
const ones = (c: Record<string, number>, k: number): number => shareOfOnes(c, k, N);

describe('readout error', () => {
  it('misreads |0⟩ as 1 and |1⟩ as 0 at each qubit’s own rates', () => {
    const zero = counts(`${H} qubit[3] q; bit[3] c; c = measure q;`);
    for (let q = 0; q < 3; q++) near(ones(zero, q), READOUT.p01[q] as number);
    const one = counts(`${H} qubit[3] q; bit[3] c; x q; c = measure q;`);
    for (let q = 0; q < 3; q++) near(ones(one, q), 1 - (READOUT.p10[q] as number));
  });

  it('with twirling.enable_measure, misreads |0⟩ and |1⟩ equally, at the mean of the two rates', () => {
    for (const prep of ['', 'x q;']) {
      const r = runProgram(
        'sampler',
        {
          pubs: [[`${H} qubit[3] q; bit[3] c; ${prep} c = measure q;`, null, N]],
          options: { seed: 4, twirling: { enable_measure: true } },
        },
        LIMITS as J,
      ).result as J;
      const c = r.__value__.pub_results[0].__value__.metadata.counts.c;
      for (let q = 0; q < 3; q++) {
        const mean = ((READOUT.p01[q] as number) + (READOUT.p10[q] as number)) / 2;
        near(ones(c, q), prep ? 1 - mean : mean);
      }
    }
  });

  it('misreads independently per qubit: P(00) on |00⟩ is (1 − p01[0])(1 − p01[1])', () => {
    const c = counts(`${H} qubit[2] q; bit[2] c; c = measure q;`);
    near((c['00'] ?? 0) / N, 0.9 * 0.98);
  });

  it('follows the physical qubit a measurement reads, not the clbit it writes', () => {
    // q[2] (never misreads 0) into c[0], q[0] (misreads 0 one time in ten) into c[1].
    const c = counts(`${H} qubit[3] q; bit[2] c; c[0] = measure q[2]; c[1] = measure q[0];`);
    near(ones(c, 0), 0);
    near(ones(c, 1), 0.1);
  });

  it('collapses to the true outcome mid-circuit; a condition sees the recorded bit', () => {
    // q[0] is |0⟩: c[0] reads 1 one time in ten, and then q[1] is flipped. Measuring q[0] again
    // finds 0 (it was never 1), so c[2] misreads independently of c[0].
    const c = counts(
      `${H} qubit[3] q; bit[3] c; c[0] = measure q[0]; if (c[0]) x q[1]; c[1] = measure q[1]; c[2] = measure q[0];`,
    );
    // c[1] = 1 when c[0] read 1 and q[1] (then |1⟩) reads right, or c[0] read 0 and q[1] misreads.
    near(ones(c, 1), 0.1 * (1 - 0.2) + 0.9 * 0.02);
    near((c['111'] ?? 0) / N, 0.1 * 0.8 * 0.1);
    near(ones(c, 2), 0.1);
  });

  it('keeps the true outcome for a second measurement when the first misread (|+⟩ on q[0])', () => {
    // Four groups: found 0 or 1, each read right or wrong. Reading twice agrees on the true
    // value: P(both 1) = ½·0.95² + ½·0.1², not what independent coins would give.
    const c = counts(
      `${H} qubit[3] q; bit[2] c; h q[0]; c[0] = measure q[0]; c[1] = measure q[0];`,
    );
    near((c['11'] ?? 0) / N, 0.5 * 0.95 ** 2 + 0.5 * 0.1 ** 2);
    near((c['00'] ?? 0) / N, 0.5 * 0.9 ** 2 + 0.5 * 0.05 ** 2);
    const mid = counts(
      `${H} qubit[3] q; bit[2] c; h q[0]; c[0] = measure q[0]; if (c[0]) x q[2]; c[1] = measure q[0];`,
    );
    near((mid['11'] ?? 0) / N, 0.5 * 0.95 ** 2 + 0.5 * 0.1 ** 2);
  });

  it('reads exactly without a readout table, and the same seed gives the same counts', () => {
    const qasm = `${H} qubit[2] q; bit[2] c; h q[0]; cx q[0], q[1]; c[0] = measure q[0]; if (c[0]) x q[1]; c[1] = measure q[1];`;
    const ideal = { maxQubits: 3, maxShots: 100_000, maxExperiments: 10 };
    expect(Object.keys(counts(qasm, ideal)).sort()).toEqual(['00', '01']);
    expect(counts(qasm, ideal)).toEqual(counts(qasm, ideal));
    expect(Object.keys(counts(qasm)).length).toBeGreaterThan(2);
  });
});
