/**
 * Algorithms with known answers: exact amplitudes against closed forms (within 1e-10), and
 * sampled distributions with a fixed seed (within stated statistical bounds).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runProgram, statevector } from './index.js';

const LIMITS = { maxQubits: 12, maxShots: 100_000, maxExperiments: 10 };
const H = 'OPENQASM 3.0;\ninclude "stdgates.inc";\n';
const prob = (s: ReturnType<typeof statevector>, i: number): number =>
  (s.re[i] ?? 0) ** 2 + (s.im[i] ?? 0) ** 2;
const counts = (qasm: string, shots = 2000, seed = 11): Record<string, number> =>
  (runProgram('sampler', { pubs: [[qasm, null, shots]], options: { seed } }, LIMITS).result as any)
    .__value__.pub_results[0].__value__.metadata.counts.c;

describe('known answers', () => {
  it('GHZ: only all-zeros and all-ones, each with probability 1/2', () => {
    const s = statevector(
      `${H}qubit[5] q; h q[0]; cx q[0], q[1]; cx q[1], q[2]; cx q[2], q[3]; cx q[3], q[4];`,
    );
    expect(prob(s, 0)).toBeCloseTo(0.5, 10);
    expect(prob(s, 31)).toBeCloseTo(0.5, 10);
    const c = counts(
      `${H}qubit[5] q; bit[5] c; h q[0]; cx q[0], q[1]; cx q[1], q[2]; cx q[2], q[3]; cx q[3], q[4]; c = measure q;`,
      4000,
    );
    expect(Object.keys(c).sort()).toEqual(['00000', '11111']);
    // Binomial(4000, 1/2): 5 standard deviations = 158.
    expect(Math.abs((c['00000'] ?? 0) - 2000)).toBeLessThan(158);
  });

  it('Deutsch–Jozsa tells a constant oracle from a balanced one in one query', () => {
    const dj = (oracle: string) =>
      `${H}qubit[4] q; bit[3] c; x q[3]; h q[0]; h q[1]; h q[2]; h q[3]; ${oracle} h q[0]; h q[1]; h q[2]; c[0] = measure q[0]; c[1] = measure q[1]; c[2] = measure q[2];`;
    expect(counts(dj('x q[3];'), 500)).toEqual({ '000': 500 });
    const balanced = counts(dj('cx q[0], q[3]; cx q[1], q[3];'), 500);
    expect(balanced['000']).toBeUndefined();
    expect(balanced).toEqual({ '011': 500 });
  });

  it('Bernstein–Vazirani reads the hidden string 1011 in one query', () => {
    // s = 1011 (q3 q2 q1 q0): the oracle is CX from every qubit whose bit of s is 1.
    const oracle = 'cx q[0], q[4]; cx q[1], q[4]; cx q[3], q[4];';
    const qasm = `${H}qubit[5] q; bit[4] c; x q[4]; h q; ${oracle} h q[0]; h q[1]; h q[2]; h q[3]; c[0] = measure q[0]; c[1] = measure q[1]; c[2] = measure q[2]; c[3] = measure q[3];`;
    expect(counts(qasm, 300)).toEqual({ '1011': 300 });
  });

  it('Grover finds the marked state with the closed-form probability', () => {
    // 3 qubits, marked |101⟩, two iterations: p = sin²(5θ), sin θ = 1/√8.
    const oracle = 'x q[1]; h q[2]; ccx q[0], q[1], q[2]; h q[2]; x q[1];';
    const diffusion = 'h q; x q; h q[2]; ccx q[0], q[1], q[2]; h q[2]; x q; h q;';
    const grover = `${H}qubit[3] q; h q; ${oracle} ${diffusion} ${oracle} ${diffusion}`;
    const theta = Math.asin(1 / Math.sqrt(8));
    expect(prob(statevector(grover), 0b101)).toBeCloseTo(Math.sin(5 * theta) ** 2, 10);
    // 4 qubits, marked |1111⟩, three iterations: p = sin²(7θ), sin θ = 1/4.
    const o4 = 'h q[3]; ctrl(3) @ x q[0], q[1], q[2], q[3]; h q[3];';
    const d4 = `h q; x q; ${o4} x q; h q;`;
    const g4 = `${H}qubit[4] q; h q; ${o4} ${d4} ${o4} ${d4} ${o4} ${d4}`;
    expect(prob(statevector(g4), 15)).toBeCloseTo(Math.sin(7 * Math.asin(0.25)) ** 2, 10);
  });

  it('QFT gives the Fourier amplitudes, and its inverse returns the input', () => {
    const n = 4;
    const lines = [
      'gate qft4 a, b, c, d {',
      'h d; cp(pi/2) c, d; cp(pi/4) b, d; cp(pi/8) a, d;',
      'h c; cp(pi/2) b, c; cp(pi/4) a, c;',
      'h b; cp(pi/2) a, b;',
      'h a;',
      'swap a, d; swap b, c;',
      '}',
    ];
    const x = 0b0110;
    const prep = 'x q[1]; x q[2];';
    const s = statevector(
      `${H}${lines.join(' ')} qubit[4] q; ${prep} qft4 q[0], q[1], q[2], q[3];`,
    );
    const N = 2 ** n;
    for (let k = 0; k < N; k++) {
      const phase = (2 * Math.PI * x * k) / N;
      expect(s.re[k]).toBeCloseTo(Math.cos(phase) / 4, 10);
      expect(s.im[k]).toBeCloseTo(Math.sin(phase) / 4, 10);
    }
    const back = statevector(
      `${H}${lines.join(' ')} qubit[4] q; ${prep} qft4 q[0], q[1], q[2], q[3]; inv @ qft4 q[0], q[1], q[2], q[3];`,
    );
    expect(prob(back, x)).toBeCloseTo(1, 10);
  });

  it('rotations give their closed-form expectation values', () => {
    const r = runProgram(
      'estimator',
      {
        pubs: [
          [
            `${H}input float[64] a; input float[64] b; qubit[1] q; ry(a) q[0]; rz(b) q[0];`,
            ['Z', 'X', 'Y'],
            [[0.7, 0.3]],
          ],
        ],
      },
      LIMITS,
    ).result as any;
    // parameters sorted by name: a, b
    const evs = r.__value__.pub_results[0].__value__.metadata.evs as number[];
    expect(evs[0]).toBeCloseTo(Math.cos(0.7), 10);
    expect(evs[1]).toBeCloseTo(Math.sin(0.7) * Math.cos(0.3), 10);
    expect(evs[2]).toBeCloseTo(Math.sin(0.7) * Math.sin(0.3), 10);
  });
});

describe('sampled rotations', () => {
  it('measure 1 with probability sin²(θ/2), within 5 standard deviations (seed 21)', () => {
    const qasm = `${H}input float[64] theta; qubit q; bit[1] c; ry(theta) q; c[0] = measure q;`;
    const thetas = [0.3, 1.1, 2.5];
    const shots = 20_000;
    const r = runProgram(
      'sampler',
      { pubs: [[qasm, thetas.map((t) => [t]), shots]], options: { seed: 21 } },
      LIMITS,
    ).result as any;
    const counts = r.__value__.pub_results[0].__value__.metadata.counts.c as Record<
      string,
      number
    >[];
    thetas.forEach((theta, k) => {
      const p = Math.sin(theta / 2) ** 2;
      const sigma = Math.sqrt(shots * p * (1 - p));
      expect(Math.abs((counts[k]?.['1'] ?? 0) - shots * p)).toBeLessThan(5 * sigma);
    });
  });
});

describe('properties of random circuits (fast-check)', () => {
  const gate = fc.oneof(
    fc.record({
      g: fc.constantFrom('h', 'x', 'y', 'z', 's', 't', 'sx', 'sdg', 'tdg'),
      q: fc.nat(3),
    }),
    fc.record({
      g: fc.constantFrom('rx', 'ry', 'rz', 'p'),
      q: fc.nat(3),
      a: fc.double({ min: -7, max: 7, noNaN: true }),
    }),
    fc.record({
      g: fc.constantFrom('cx', 'cz', 'cy', 'ch', 'swap', 'crz'),
      q: fc.nat(3),
      r: fc.nat(3),
      a: fc.double({ min: -7, max: 7, noNaN: true }),
    }),
    fc.record({ g: fc.constant('ccx'), q: fc.nat(3), r: fc.nat(3), t: fc.nat(3) }),
  );
  const text = (op: {
    g: string;
    q: number;
    r?: number;
    t?: number;
    a?: number;
  }): string | null => {
    const qs = [op.q, op.r, op.t].filter((x): x is number => x !== undefined);
    if (new Set(qs).size !== qs.length) return null;
    const args =
      op.a !== undefined && ['rx', 'ry', 'rz', 'p', 'crz'].includes(op.g) ? `(${op.a})` : '';
    return `${op.g}${args} ${qs.map((x) => `q[${x}]`).join(', ')};`;
  };
  const circuits = fc
    .array(gate, { minLength: 1, maxLength: 40 })
    .map((ops) => ops.map(text).filter((x): x is string => x !== null));

  it('keep the state normalised', () => {
    fc.assert(
      fc.property(circuits, (lines) => {
        expect(statevector(`${H}qubit[4] q; ${lines.join(' ')}`).norm()).toBeCloseTo(1, 10);
      }),
      { numRuns: 200 },
    );
  });

  it('followed by the inverse of each gate in reverse order, return |0000⟩', () => {
    fc.assert(
      fc.property(circuits, (lines) => {
        const undo = [...lines].reverse().map((l) => `inv @ ${l}`);
        const s = statevector(`${H}qubit[4] q; ${lines.join(' ')} ${undo.join(' ')}`);
        expect(prob(s, 0)).toBeCloseTo(1, 10);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the sparse start', () => {
  it('keeps a 24-qubit GHZ state as two amplitudes and samples it', () => {
    const n = 24;
    const cx = Array.from({ length: n - 1 }, (_, i) => `cx q[${i}], q[${i + 1}];`).join(' ');
    const r = runProgram(
      'sampler',
      {
        pubs: [[`${H}qubit[${n}] q; bit[${n}] c; h q[0]; ${cx} c = measure q;`, null, 1000]],
        options: { seed: 2 },
      },
      { ...LIMITS, maxQubits: 24 },
    ).result as any;
    const c = r.__value__.pub_results[0].__value__.metadata.counts.c;
    expect(Object.keys(c).sort()).toEqual(['0'.repeat(n), '1'.repeat(n)]);
  });

  it('gives the same state as the dense engine, across the switch to dense', async () => {
    const { bind, evolve, evolveFromZero, fuse } = await import('./engines/execute.js');
    const { parseQasm } = await import('./frontend/qasm/parser.js');
    const { StateVector } = await import('./engines/statevector.js');
    const { SparseState } = await import('./engines/sparse.js');
    const op = fc.oneof(
      fc.record({ g: fc.constantFrom('h', 'x', 'sx', 't'), q: fc.nat(12) }),
      fc.record({
        g: fc.constantFrom('rx', 'rz'),
        q: fc.nat(12),
        a: fc.double({ min: -4, max: 4, noNaN: true }),
      }),
      fc.record({ g: fc.constantFrom('cx', 'cz', 'swap', 'ch'), q: fc.nat(12), r: fc.nat(12) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
        const lines = ops
          .filter((o) => !('r' in o) || o.r !== o.q)
          .map(
            (o) => `${o.g}${'a' in o ? `(${o.a})` : ''} q[${o.q}]${'r' in o ? `, q[${o.r}]` : ''};`,
          );
        const bound = fuse(bind(parseQasm(`${H}qubit[13] q; ${lines.join(' ')}`).ops, new Map()));
        const dense = new StateVector(13);
        evolve(dense, bound);
        const hybrid = evolveFromZero(13, bound);
        const got = hybrid instanceof SparseState ? hybrid.toDense() : hybrid;
        let worst = 0;
        for (let i = 0; i < dense.dim; i++) {
          worst = Math.max(
            worst,
            Math.abs((got.re[i] ?? 0) - (dense.re[i] ?? 0)),
            Math.abs((got.im[i] ?? 0) - (dense.im[i] ?? 0)),
          );
        }
        expect(worst).toBeLessThan(1e-10);
      }),
      { numRuns: 100 },
    );
  });
});
