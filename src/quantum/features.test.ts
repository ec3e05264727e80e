/**
 * Program-level behaviour: transpiled circuits on physical qubits, projector observables,
 * classical conditions, deferred measurements, seeds and cancellation, and the tiled engine.
 */
import { describe, expect, it } from 'vitest';
import { applyUnitaryTo } from './kernels/apply.js';
import { bind, evolve, fuse } from './engines/execute.js';
import {
  QuantumInputError,
  SimulationCancelledError,
  checkProgram,
  parseQasm,
  runProgram,
} from './index.js';
import { StateVector } from './engines/statevector.js';
import { TILE_MIN_QUBITS } from './engines/tiles.js';
import { runTree } from './engines/trajectories.js';
import { sampleBasis } from './engines/execute.js';
import { createRng } from './rng.js';

type J = any;
const WIDE = { maxQubits: 127, maxShots: 100_000, maxExperiments: 10 };
const H = 'OPENQASM 3.0; include "stdgates.inc";';
const sample = (qasm: string, shots = 500, seed = 4, limits = WIDE): J =>
  (runProgram('sampler', { pubs: [[qasm, null, shots]], options: { seed } }, limits).result as J)
    .__value__.pub_results[0].__value__.metadata.counts;
const evs = (qasm: string, observables: unknown, limits = WIDE): number[] =>
  (runProgram('estimator', { pubs: [[qasm, observables]] }, limits).result as J).__value__
    .pub_results[0].__value__.metadata.evs;

describe('transpiled circuits on physical qubits', () => {
  const bell = `${H} bit[2] c; rz(pi/2) $45; sx $45; rz(pi/2) $45; cx $45, $46; c[0] = measure $45; c[1] = measure $46;`;

  it('are as wide as the backend, and simulate only the qubits they use', () => {
    expect(checkProgram('sampler', { pubs: [[bell]] }, WIDE)).toEqual({
      pubs: 1,
      totalShots: 4096,
      maxQubits: 127,
    });
    const counts = sample(bell, 1000).c;
    expect(Object.keys(counts).sort()).toEqual(['00', '11']);
  });

  it('are checked against the backend width and coupling map by physical number', () => {
    expect(() => checkProgram('sampler', { pubs: [[bell]] }, { ...WIDE, maxQubits: 46 })).toThrow(
      /47 qubits; the backend has 46/,
    );
    const coupled = { ...WIDE, couplingMap: [[46, 45]] as [number, number][] };
    expect(checkProgram('sampler', { pubs: [[bell]] }, coupled).pubs).toBe(1);
    expect(() =>
      checkProgram('sampler', { pubs: [[bell]] }, { ...WIDE, couplingMap: [[44, 45]] }),
    ).toThrow(/qubits 45 and 46 are not coupled/);
  });

  it('take observables as wide as the backend: idle qubits are |0⟩', () => {
    const circuit = `${H} x $1; id $2;`;
    const threeQubits = { ...WIDE, maxQubits: 3 };
    // Labels are little-endian: the last character is qubit 0.
    expect(evs(circuit, ['ZZI', 'IZI', 'XII', 'IIZ', 'IIX', { ZZZ: 2 }], threeQubits)).toEqual([
      -1, -1, 0, 1, 0, -2,
    ]);
    // On the 127-qubit device the same circuit takes 127-character labels.
    expect(() => evs(circuit, ['ZZI'])).toThrow(/127/);
    expect(evs(circuit, [`${'I'.repeat(125)}ZI`])).toEqual([-1]);
  });

  it('cannot mix physical qubits and registers', () => {
    expect(() => parseQasm(`${H} qubit[2] q; x $0;`)).toThrow(/cannot be mixed/);
  });
});

describe('observables', () => {
  it('accept SparseObservable projectors (0, 1, +, -, r, l)', () => {
    const plus = `${H} qubit[2] q; h q[0]; s q[1]; h q[1]; s q[1];`;
    // q0 = |+⟩; q1 = S·H·S|0⟩ = e^{iπ/4}|−i⟩… measured through its projectors below.
    const [p0, pPlus, pMinus] = evs(plus, ['I0', 'I+', 'I-']);
    expect(p0).toBeCloseTo(0.5, 12);
    expect(pPlus).toBeCloseTo(1, 12);
    expect(pMinus).toBeCloseTo(0, 12);
    const [r, l] = evs(plus, ['rI', 'lI']);
    expect((r ?? 0) + (l ?? 0)).toBeCloseTo(1, 12);
    const bell = `${H} qubit[2] q; h q[0]; cx q[0], q[1];`;
    expect(evs(bell, [{ '00': 1, '11': 1 }, '01'])).toEqual(
      [1, 0].map((x) => expect.closeTo(x, 12)),
    );
  });

  it('reject labels that are not Pauli strings, naming the pub', () => {
    expect(() => checkProgram('estimator', { pubs: [[`${H} qubit q;`, 'Q']] }, WIDE)).toThrow(
      /pub 0: "Q" is not a Pauli string/,
    );
  });
});

describe('classical control and measurement', () => {
  it('branches on bits, registers, != and true/false', () => {
    const c = sample(
      `${H} qubit[3] q; bit[2] m; bit[3] out; x q[0]; m[0] = measure q[0]; m[1] = measure q[1];
       if (m == 1) { x q[1]; } if (m[1] == false) { x q[2]; } if (m != 0) { } else { x q[0]; }
       if (!m[0]) { x q[0]; } out = measure q;`,
      50,
    );
    expect(c.out).toEqual({ '111': 50 });
  });

  it('evaluates classical expressions in conditions: comparisons, bitwise and logical operators, shifts, 256-bit registers', () => {
    // a = 1 (01), b = 2 (10), and big = 2^255.
    const setup = `${H} qubit[5] q; bit[2] a; bit[2] b; bit[256] big; bit[1] out;
      x q[0]; x q[3]; x q[4]; a[0] = measure q[0]; a[1] = measure q[1]; b[0] = measure q[2];
      b[1] = measure q[3]; big[255] = measure q[4]; reset q[4];`;
    const cases: [string, boolean][] = [
      ['a < b', true],
      ['a > b', false],
      ['(a ^ b) == 3', true],
      ['(a & b) == 0', true],
      ['(a | b) != 3', false],
      ['~a == 2', true],
      ['(a << 1) == b', true],
      ['(b >> 1) == a', true],
      ['a[0] && !b[0]', true],
      ['a[1] || b[0]', false],
      ['a < b && !(a == 0) || false', true],
      ['big > 1 && ~big != 0', true],
      ['(big >> 255) == a', true],
      ['big', true],
    ];
    for (const [condition, expected] of cases) {
      const { out } = sample(`${setup} if (${condition}) { x q[4]; } out[0] = measure q[4];`, 3);
      expect(out, condition).toEqual({ [expected ? '1' : '0']: 3 });
    }
    expect(() => sample(`${H} qubit[1] q; bit[1] c; if (c + 1) { x q[0]; }`, 1)).toThrow(
      /line 1, column \d+: expected '\)'/,
    );
  });

  it('keeps classical variables (bool, uint[n]) and assignments, which no output register shows', () => {
    const counts = sample(
      `${H} qubit[2] q; bit[2] c; bool b = true; uint[3] k;
      while (k != 7) { k = (k << 1) | 1; x q[1]; }
      if (k == 7 && b) { x q[0]; }
      c[0] = measure q[1];
      c[1] = !c[0] && (k >> 2) == 1;`,
      20,
    );
    // Three passes (k: 1, 3, 7) flip q[1] to 1; c[1] = !1 && … = 0. Only c is a register.
    expect(counts).toEqual({ c: { '01': 20 } });
    // An assignment is truncated to its target's width: 9 in a uint[3] is 1.
    const narrow = sample(
      `${H} qubit[1] q; bit[1] c; uint[3] k = 9; if (k == 1) { x q[0]; } c[0] = measure q[0];`,
      5,
    );
    expect(narrow).toEqual({ c: { '1': 5 } });
  });

  it('runs while loops until the condition fails: a repeat-until-success loop and a register count', () => {
    // Measure |+⟩ until it reads 1: every shot ends with c[0] = 1, after a geometric number of
    // passes (half the shots need one, a quarter two, …); the count of passes is kept in q[1]'s
    // parity, which is therefore 0 or 1 with chance 2/3 and 1/3 (odd passes: 1/2 + 1/8 + … = 2/3).
    const { c: rus } = sample(
      `${H} qubit[2] q; bit[2] c; while (c[0] == false) { reset q[0]; h q[0]; x q[1]; c[0] = measure q[0]; } c[1] = measure q[1];`,
      6000,
    );
    expect(Object.keys(rus).sort()).toEqual(['01', '11']);
    expect(Math.abs((rus['11'] ?? 0) / 6000 - 2 / 3)).toBeLessThan(5 * Math.sqrt(2 / 9 / 6000));
    // != on a register: a 2-qubit counter (carry, then increment) counts 1, 2, 3 and stops; a
    // third qubit flips every pass, so it reads 1 after the three passes.
    const count = sample(
      `${H} qubit[3] q; bit[2] c; bit[1] d; while (c != 3) { cx q[0], q[1]; x q[0]; x q[2]; c[0] = measure q[0]; c[1] = measure q[1]; } d[0] = measure q[2];`,
      50,
    );
    expect(count).toEqual({ c: { '11': 50 }, d: { '1': 50 } });
    // A loop whose condition never changes fails the run, saying so.
    expect(() => sample(`${H} qubit[1] q; bit[1] c; while (c[0] == 0) { x q[0]; }`, 1)).toThrow(
      /while loop ran more than 100,000 times/,
    );
  });

  it('defers a measurement past gates on other qubits (one final state)', () => {
    const c = sample(
      `${H} qubit[2] q; bit[2] c; h q[0]; c[0] = measure q[0]; x q[1]; c[1] = measure q[1];`,
    );
    expect(Object.keys(c.c).sort()).toEqual(['10', '11']);
  });

  it('resets after a measurement (trajectories)', () => {
    const c = sample(
      `${H} qubit q; bit[2] c; x q; c[0] = measure q; reset q; c[1] = measure q;`,
      20,
    );
    expect(c.c).toEqual({ '01': 20 });
  });

  it('applies modifiers: ctrl @ gphase, negctrl, pow(-1), inv', () => {
    const c = sample(
      `${H} qubit[3] q; bit[3] c; h q[0]; ctrl @ gphase(pi) q[0]; h q[0];
       negctrl @ x q[1], q[2]; pow(-1) @ s q[1]; inv @ pow(2) @ s q[1]; c = measure q;`,
      40,
    );
    // h · Z · h = X on q0; q1 = |0⟩ flips q2; phases on q1 change nothing measurable.
    expect(c.c).toEqual({ '101': 40 });
  });
});

describe('runs', () => {
  const coin = `${H} qubit q; bit c; h q; c = measure q;`;
  const run = (params: object, seed?: number): J =>
    runProgram('sampler', params, WIDE, seed === undefined ? {} : { seed }).result;

  it('use the caller seed unless the params name one', () => {
    const pubs = [[coin, null, 64]];
    expect(run({ pubs }, 9)).toEqual(run({ pubs }, 9));
    expect(run({ pubs }, 9)).not.toEqual(run({ pubs }, 10));
    const seeded = { pubs, options: { simulator: { seed_simulator: 3 } } };
    expect(run(seeded, 9)).toEqual(run(seeded, 10));
  });

  it('stop when asked', () => {
    expect(() =>
      runProgram('sampler', { pubs: [[coin]] }, WIDE, { shouldStop: () => true }),
    ).toThrow(SimulationCancelledError);
  });

  it('refuse more qubits than can be simulated', () => {
    const wide = `${H} qubit[31] q; bit c; h q; c[0] = measure q[0];`;
    expect(() => checkProgram('sampler', { pubs: [[wide]] }, WIDE)).toThrow(QuantumInputError);
  });
});

describe('the tiled engine', () => {
  it('gives the state gate-by-gate application gives, at the first tiled size', () => {
    const n = TILE_MIN_QUBITS;
    const lines = [];
    for (let layer = 0; layer < 3; layer++) {
      for (let q = 0; q < n; q++)
        lines.push(`${['h', 'rx(0.3)', 'ry(1.1)', 'rz(2)', 't'][(q + layer) % 5]} q[${q}];`);
      for (let q = layer; q + 7 < n; q += 3) lines.push(`cx q[${q}], q[${(q + 7 + layer) % n}];`);
      lines.push(`ccx q[0], q[${n - 1}], q[${n - 2}]; cswap q[${n - 3}], q[1], q[${n - 5}];`);
    }
    const ops = fuse(bind(parseQasm(`${H} qubit[${n}] q; ${lines.join(' ')}`).ops, new Map()));
    const tiled = new StateVector(n);
    evolve(tiled, ops);
    const plain = new StateVector(n);
    for (const op of ops)
      if (op.kind === 'u' || op.kind === 'pair' || op.kind === 'swap')
        applyUnitaryTo(plain.re, plain.im, plain.dim, op);
    let worst = 0;
    for (let i = 0; i < plain.dim; i++) {
      worst = Math.max(
        worst,
        Math.abs((tiled.re[i] ?? 0) - (plain.re[i] ?? 0)),
        Math.abs((tiled.im[i] ?? 0) - (plain.im[i] ?? 0)),
      );
    }
    expect(worst).toBeLessThan(1e-12);
    expect(tiled.norm()).toBeCloseTo(1, 10);
  });
});

describe('the measurement tree', () => {
  // P(c1 c0): 00 = 1/2, 01 = 1/4, 11 = 1/4 (q1 gets H only after measuring 1 on q0).
  const qasm = `${H} qubit[2] q; bit[2] c; h q[0]; c[0] = measure q[0]; if (c[0]) { h q[1]; } c[1] = measure q[1];`;
  const tally = (bits: Uint8Array): Record<string, number> => {
    const t: Record<string, number> = {};
    for (let s = 0; s < bits.length / 2; s++) {
      const k = `${bits[2 * s + 1]}${bits[2 * s]}`;
      t[k] = (t[k] ?? 0) + 1;
    }
    return t;
  };
  const run = (copyBudget: number, seed: number): Uint8Array => {
    const c = parseQasm(qasm);
    const rng = createRng(seed);
    return runTree(new StateVector(2), fuse(bind(c.ops, new Map())), 8000, 2, {
      rng,
      shouldStop: undefined,
      sample: (st, k) => sampleBasis(st, k, rng),
      copyBudget,
    });
  };

  it('splits shots with the outcome probabilities, with copies or one shot at a time', () => {
    for (const budget of [2 ** 27, 1]) {
      const t = tally(run(budget, 5));
      expect(Object.keys(t).sort()).toEqual(['00', '01', '11']);
      // Binomial(8000, p): 5 standard deviations are below 225.
      expect(Math.abs((t['00'] ?? 0) - 4000)).toBeLessThan(225);
      expect(Math.abs((t['01'] ?? 0) - 2000)).toBeLessThan(195);
      expect(Math.abs((t['11'] ?? 0) - 2000)).toBeLessThan(195);
    }
  });

  it('returns the shots in random order, not grouped by outcome', () => {
    const bits = run(2 ** 27, 6);
    let changes = 0;
    for (let s = 1; s < 8000; s++) if (bits[2 * s] !== bits[2 * s - 2]) changes++;
    // Independent shots with P(c0 = 1) = 1/2 change value about half the time.
    expect(changes).toBeGreaterThan(3500);
  });
});
