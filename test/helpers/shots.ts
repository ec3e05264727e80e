/**
 * Statistics of sampled shots, for noise tests: the share of shots with a bit set, and a check
 * that a share is within five binomial standard deviations of its closed form (a correct
 * sampler fails about once in 10^6 runs).
 */
import { expect } from 'vitest';

/** The share of `shots` whose bitstring (c[n−1]…c[0], Qiskit's order) has bit `k` set. */
export function shareOfOnes(counts: Record<string, number>, k: number, shots: number): number {
  let ones = 0;
  for (const [bits, n] of Object.entries(counts)) if (bits[bits.length - 1 - k] === '1') ones += n;
  return ones / shots;
}

/** `got` (a share of `shots`) is within 5σ of `p`. */
export function expectNear(got: number | undefined, p: number, shots: number): void {
  const bound = 5 * Math.sqrt((p * (1 - p)) / shots) + 1e-12;
  expect(Math.abs((got ?? NaN) - p), `got ${got}, expected ${p} ± ${bound}`).toBeLessThanOrEqual(
    bound,
  );
}
