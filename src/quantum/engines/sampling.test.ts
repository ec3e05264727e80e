/**
 * Sampling's two ways of placing draws (execute.ts): for few amplitudes each draw is looked up,
 * for many the draws are sorted and swept. Both must give the same outcomes for the same draws,
 * so that the same seed gives the same counts whichever way a state is sampled.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { bucketsOf, sweepSorted } from './execute.js';

describe('sampling lookups', () => {
  it('place every draw where the sorted sweep does, with zeros, ties and labels', () => {
    const rng = createRng(11);
    for (let round = 0; round < 200; round++) {
      const count = 1 + Math.floor(rng() * 40);
      const re = new Float64Array(count);
      const im = new Float64Array(count);
      for (let k = 0; k < count; k++) {
        // A third of the amplitudes zero, the rest of a few magnitudes (ties in the sums).
        if (rng() < 1 / 3) continue;
        re[k] = [0.5, Math.SQRT1_2, rng()][Math.floor(rng() * 3)] as number;
        im[k] = rng() < 0.5 ? 0 : rng();
      }
      let total = 0;
      for (let k = 0; k < count; k++) total += (re[k] as number) ** 2 + (im[k] as number) ** 2;
      const shots = 1 + Math.floor(rng() * 300);
      const u = Float64Array.from({ length: shots }, () => rng() * total);
      // Draws exactly on a running sum, and at the very top.
      if (shots > 2) {
        u[0] = (re[0] as number) ** 2 + (im[0] as number) ** 2;
        u[1] = total;
      }
      const labels = rng() < 0.5 ? Uint32Array.from({ length: count }, (_, k) => k * 7 + 3) : null;
      expect(Array.from(bucketsOf(re, im, u, labels))).toEqual(
        Array.from(sweepSorted(re, im, u.slice(), labels)),
      );
    }
  });

  it('gives a GHZ state’s two outcomes in proportion', () => {
    const re = new Float64Array(8);
    re[0] = Math.SQRT1_2;
    re[7] = Math.SQRT1_2;
    const rng = createRng(3);
    const u = Float64Array.from({ length: 10_000 }, () => rng());
    const out = bucketsOf(re, new Float64Array(8), u, null);
    const sevens = out.filter((k) => k === 7).length;
    expect(out.every((k) => k === 0 || k === 7)).toBe(true);
    // 5,000 ± 4σ (σ = 50).
    expect(Math.abs(sevens - 5000)).toBeLessThan(200);
  });
});
