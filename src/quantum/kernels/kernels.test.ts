/**
 * The fast paths against a plain reference: every kernel shape (hand-written and generated),
 * fused pairs, controls, and the tiled runner, on random states.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Unitary, applyUnitaryTo } from './apply.js';
import { BASE, type Matrix2 } from '../ir/gates.js';
import { Shape, shapeOf } from './kernels.js';
import { evolveTiled, planPasses } from '../engines/tiles.js';

const N = 6;
const DIM = 1 << N;

/** A random complex vector (not normalised: the kernels are linear). */
function randomState(seed: number): { re: Float64Array; im: Float64Array } {
  let s = seed >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32 - 0.5;
  };
  return {
    re: Float64Array.from({ length: DIM }, rnd),
    im: Float64Array.from({ length: DIM }, rnd),
  };
}

/** The reference: `m` on `t` wherever the `cmask` bits are 1 and the `nmask` bits 0. */
function reference(
  re: Float64Array,
  im: Float64Array,
  t: number,
  m: Matrix2,
  cmask = 0,
  nmask = 0,
): void {
  const e = (k: number): number => m[k] ?? 0;
  for (let i = 0; i < re.length; i++) {
    if (i & (1 << t) || (i & cmask) !== cmask || i & nmask) continue;
    const j = i | (1 << t);
    const [xr, xi, yr, yi] = [re[i] ?? 0, im[i] ?? 0, re[j] ?? 0, im[j] ?? 0];
    re[i] = e(0) * xr - e(1) * xi + e(2) * yr - e(3) * yi;
    im[i] = e(0) * xi + e(1) * xr + e(2) * yi + e(3) * yr;
    re[j] = e(4) * xr - e(5) * xi + e(6) * yr - e(7) * yi;
    im[j] = e(4) * xi + e(5) * xr + e(6) * yi + e(7) * yr;
  }
}

const gate = (name: string, ...args: number[]): Matrix2 => {
  const def = BASE[name];
  if (!def) throw new Error(name);
  return def.f(args);
};

/** One matrix of every shape the kernels distinguish. */
const MATRICES: Record<string, Matrix2> = {
  general: gate('u', 0.3, 1.1, -0.4),
  diagonal: gate('rz', 0.9),
  phase: gate('t'),
  real: gate('ry', 0.7),
  hadamard: gate('h'),
  rxLike: gate('rx', 1.3),
  flip: gate('x'),
};

const matrix = fc.constantFrom(...Object.keys(MATRICES)).map((n) => MATRICES[n] as Matrix2);
const maybe = fc.option(matrix, { nil: null });

const maxDiff = (a: Float64Array, b: Float64Array): number =>
  a.reduce((worst, v, k) => Math.max(worst, Math.abs(v - (b[k] ?? 0))), 0);

describe('kernels', () => {
  it('recognise the matrix shapes', () => {
    expect(shapeOf(MATRICES.general as Matrix2)).toBe(Shape.General);
    expect(shapeOf(MATRICES.diagonal as Matrix2)).toBe(Shape.Diagonal);
    expect(shapeOf(MATRICES.phase as Matrix2)).toBe(Shape.Phase);
    expect(shapeOf(MATRICES.real as Matrix2)).toBe(Shape.Real);
    expect(shapeOf(MATRICES.rxLike as Matrix2)).toBe(Shape.RxLike);
    expect(shapeOf(MATRICES.flip as Matrix2)).toBe(Shape.Flip);
  });

  it('apply single-qubit gates, plain and (negatively) controlled, as the reference', () => {
    fc.assert(
      fc.property(matrix, fc.nat(N - 1), fc.nat(DIM - 1), fc.nat(DIM - 1), (m, t, c, n) => {
        const cmask = c & ~(1 << t);
        const nmask = n & ~(1 << t) & ~cmask;
        const got = randomState(t * 977 + c);
        const want = randomState(t * 977 + c);
        const op: Unitary = { kind: 'u', m, target: t, cmask, nmask };
        applyUnitaryTo(got.re, got.im, DIM, op);
        reference(want.re, want.im, t, m, cmask, nmask);
        expect(maxDiff(got.re, want.re) + maxDiff(got.im, want.im)).toBeLessThan(1e-12);
      }),
      { numRuns: 300 },
    );
  });

  it('apply fused pairs (gate on a, gate on b, controlled gate a → b) as the reference', () => {
    fc.assert(
      fc.property(maybe, maybe, maybe, fc.nat(N - 1), fc.nat(N - 1), (ma, mb, cu, a, b) => {
        fc.pre(a !== b);
        const got = randomState(a * 31 + b);
        const want = randomState(a * 31 + b);
        applyUnitaryTo(got.re, got.im, DIM, { kind: 'pair', a, b, ma, mb, cu });
        if (ma) reference(want.re, want.im, a, ma);
        if (mb) reference(want.re, want.im, b, mb);
        if (cu) reference(want.re, want.im, b, cu, 1 << a);
        expect(maxDiff(got.re, want.re) + maxDiff(got.im, want.im)).toBeLessThan(1e-12);
      }),
      { numRuns: 300 },
    );
  });
});

describe('tiles', () => {
  const layout = { lowBits: 2, highSlots: 2 };
  const op: fc.Arbitrary<Unitary> = fc.oneof(
    fc.record({
      kind: fc.constant('u' as const),
      m: matrix,
      target: fc.nat(N - 1),
      cmask: fc.constant(0),
      nmask: fc.constant(0),
    }),
    fc
      .record({ a: fc.nat(N - 1), b: fc.nat(N - 1), ma: maybe, mb: maybe, cu: maybe })
      .filter((p) => p.a !== p.b)
      .map((p) => ({ kind: 'pair' as const, ...p })),
    fc
      .record({ a: fc.nat(N - 1), b: fc.nat(N - 1), c: fc.nat(N - 1) })
      .filter((p) => new Set([p.a, p.b, p.c]).size === 3)
      .map((p) => ({ kind: 'swap' as const, a: p.a, b: p.b, cmask: 1 << p.c, nmask: 0 })),
  );

  it('give the same state as gate-by-gate application, whatever the passes', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), (ops) => {
        const got = randomState(ops.length);
        const want = randomState(ops.length);
        evolveTiled(got.re, got.im, N, ops, undefined, layout);
        for (const o of ops) applyUnitaryTo(want.re, want.im, DIM, o);
        expect(maxDiff(got.re, want.re) + maxDiff(got.im, want.im)).toBeLessThan(1e-12);
        const planned = planPasses(ops, layout);
        expect(planned.reduce((n, p) => n + p.ops.length, 0)).toBe(ops.length);
        for (const p of planned) expect(p.high?.length ?? 0).toBeLessThanOrEqual(layout.highSlots);
      }),
      { numRuns: 200 },
    );
  });
});
