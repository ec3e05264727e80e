import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { QuantumInputError, checkProgram, parseQasm, runProgram } from './index.js';
import { readNpy } from './encoding/npy.js';

const LIMITS = { maxQubits: 10, maxShots: 100_000, maxExperiments: 10 };
const BELL =
  'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n';

type J = any;
const pub = (r: unknown, i = 0): J => (r as J).__value__.pub_results[i].__value__;
const decode = (nd: J) => readNpy(inflateSync(Buffer.from(nd.__value__, 'base64')));

describe('sampler', () => {
  it('samples a Bell state: only 00 and 11, about half each, reproducible with a seed', () => {
    const params = { pubs: [[BELL, null, 4000]], options: { simulator: { seed_simulator: 7 } } };
    const a = runProgram('sampler', params, LIMITS).result;
    const counts = pub(a).metadata.counts.c;
    expect(Object.keys(counts).sort()).toEqual(['00', '11']);
    // 4,000 fair coin flips: 5 standard deviations is ±158.
    expect(Math.abs(counts['00'] - 2000)).toBeLessThan(158);
    expect(runProgram('sampler', params, LIMITS).result).toEqual(a);
  });

  it('encodes each register as a BitArray of big-endian bytes per shot', () => {
    const circuit =
      'OPENQASM 3.0; include "stdgates.inc"; qubit[10] q; bit[10] c; bit[1] flag; x q[0]; x q[9]; x q[3]; c = measure q; flag[0] = measure q[0];';
    const r = runProgram('sampler', { pubs: [[circuit, null, 3]] }, LIMITS).result;
    const data = pub(r).data.__value__;
    expect(data.field_names).toEqual(['c', 'flag']);
    const c = data.fields.c.__value__;
    expect(c.num_bits).toBe(10);
    const arr = decode(c.array);
    expect(arr.shape).toEqual([3, 2]);
    // bits 9, 3, 0 set: 0b10_0000_1001 = 0x0209 → bytes [0x02, 0x09]
    expect(arr.data.slice(0, 2)).toEqual([0x02, 0x09]);
    expect(pub(r).metadata.counts).toEqual({ c: { '1000001001': 3 }, flag: { '1': 3 } });
  });

  it('binds parameters per set and keeps the pub shape', () => {
    const circuit =
      'OPENQASM 3.0; include "stdgates.inc"; input float[64] theta; qubit[1] q; bit[1] c; rx(theta) q[0]; c[0] = measure q[0];';
    const r = runProgram(
      'sampler',
      {
        pubs: [
          [
            circuit,
            [
              [[0], [Math.PI]],
              [[Math.PI], [0]],
            ],
            10,
          ],
        ],
      },
      LIMITS,
    ).result;
    expect(pub(r).data.__value__.shape).toEqual([2, 2]);
    expect(decode(pub(r).data.__value__.fields.c.__value__.array).shape).toEqual([2, 2, 10, 1]);
    expect(pub(r).metadata.counts.c).toEqual([
      [{ '0': 10 }, { '1': 10 }],
      [{ '1': 10 }, { '0': 10 }],
    ]);
  });

  it('runs mid-circuit measurement with classical feed-forward (teleporting |1⟩)', () => {
    const circuit = `OPENQASM 3.0; include "stdgates.inc"; qubit[3] q; bit[2] m; bit[1] out;
      x q[0]; h q[1]; cx q[1], q[2]; cx q[0], q[1]; h q[0];
      m[0] = measure q[0]; m[1] = measure q[1];
      if (m[1] == 1) { x q[2]; } if (m[0] == 1) { z q[2]; }
      out[0] = measure q[2];`;
    const r = runProgram(
      'sampler',
      { pubs: [[circuit, null, 200]], options: { seed: 3 } },
      LIMITS,
    ).result;
    expect(pub(r).metadata.counts.out).toEqual({ '1': 200 });
    expect(Object.keys(pub(r).metadata.counts.m).length).toBeGreaterThan(1);
  });

  it('rejects bad input naming the pub, line and column', () => {
    expect(() =>
      checkProgram(
        'sampler',
        { pubs: [['OPENQASM 2.0;\nqreg q[1];\ncreg c[1];\nfoo q[0];']] },
        LIMITS,
      ),
    ).toThrow('pub 0: line 4, column 1: unknown gate foo');
    expect(() =>
      checkProgram(
        'sampler',
        { pubs: [[BELL], ['OPENQASM 3.0; qubit q; for int i in [0:1] {}']] },
        LIMITS,
      ),
    ).toThrow(/pub 1: line 1, column 24: 'for' is not supported/);
    expect(() => checkProgram('sampler', { pubs: [[BELL, null, 0]] }, LIMITS)).toThrow(
      /shots must be an integer/,
    );
    expect(() => checkProgram('sampler', { pubs: [] }, LIMITS)).toThrow(QuantumInputError);
    expect(() =>
      checkProgram('sampler', { pubs: [['OPENQASM 2.0; qreg q[11];']] }, LIMITS),
    ).toThrow(/11 qubits; the backend has 10/);
    expect(() =>
      checkProgram('sampler', { pubs: [[{ __type__: 'QuantumCircuit', __value__: '' }]] }, LIMITS),
    ).toThrow(/pub 0: QPY: a QuantumCircuit "__value__" is not zlib-compressed QPY/);
    expect(() => checkProgram('sampler', { pubs: [[42]] }, LIMITS)).toThrow(
      /OpenQASM 2 or 3 string, or a QPY circuit/,
    );
  });

  it('counts shots over the parameter shape for the execution model', () => {
    const circuit = 'OPENQASM 3.0; input float[64] a; qubit q; bit c; U(a, 0, 0) q; c = measure q;';
    expect(
      checkProgram('sampler', { pubs: [[circuit, [[1], [2], [3]], 100], [BELL]] }, LIMITS),
    ).toEqual({ pubs: 2, totalShots: 300 + 4096, maxQubits: 2 });
  });
});

describe('estimator', () => {
  it('gives exact expectation values at precision 0, broadcast over observables and parameters', () => {
    const circuit =
      'OPENQASM 3.0; include "stdgates.inc"; input float[64] t; qubit[2] q; ry(t) q[0]; cx q[0], q[1];';
    const t = [0.3, 1.2];
    const r = runProgram(
      'estimator',
      { pubs: [[circuit, [['ZZ'], ['IZ'], [{ XX: 2, ZI: -1 }]], t.map((x) => [x])]] },
      LIMITS,
    ).result;
    const evs = (pub(r).metadata.evs as number[][]).flat();
    expect(pub(r).metadata.evs.length).toBe(3);
    expect(pub(r).data.__value__.shape).toEqual([3, 2]);
    const expected = [
      1,
      1,
      Math.cos(t[0] ?? 0),
      Math.cos(t[1] ?? 0),
      2 * Math.sin(t[0] ?? 0) - Math.cos(t[0] ?? 0),
      2 * Math.sin(t[1] ?? 0) - Math.cos(t[1] ?? 0),
    ];
    evs.forEach((v, k) => expect(v).toBeCloseTo(expected[k] ?? NaN, 10));
    expect(decode(pub(r).data.__value__.fields.evs).data).toEqual(evs);
  });

  it('samples shot noise for a positive precision: estimates scatter by the standard error it reports', () => {
    // ⟨Z⟩ of RY(1.0)|0⟩ is cos(1.0); precision 0.02 → 2,500 shots per estimate.
    const circuit = 'OPENQASM 3.0; include "stdgates.inc"; qubit q; ry(1.0) q;';
    const thetas = Array.from({ length: 400 }, () => 'Z');
    const r = runProgram(
      'estimator',
      { pubs: [[circuit, thetas, null, 0.02]], options: { seed: 5 } },
      LIMITS,
    ).result;
    const evs = pub(r).metadata.evs as number[];
    const stds = pub(r).metadata.stds as number[];
    const exact = Math.cos(1.0);
    const expectedStd = Math.sqrt((1 - exact ** 2) / 2500);
    const mean = evs.reduce((a, b) => a + b, 0) / evs.length;
    const spread = Math.sqrt(evs.reduce((a, b) => a + (b - mean) ** 2, 0) / (evs.length - 1));
    // 400 estimates: the mean is within 5 standard errors of the mean, the spread within 15%.
    expect(Math.abs(mean - exact)).toBeLessThan((5 * expectedStd) / Math.sqrt(400));
    expect(spread / expectedStd).toBeGreaterThan(0.85);
    expect(spread / expectedStd).toBeLessThan(1.15);
    for (const s of stds) expect(s).toBeCloseTo(expectedStd, 2);
    expect(pub(r).metadata.shots).toBe(2500);
  });
});

describe('parser', () => {
  it('expands user gates, modifiers and library decompositions', () => {
    const c = parseQasm(`OPENQASM 3.0; include "stdgates.inc";
      gate bell a, b { h a; cx a, b; }
      qubit[3] q; bell q[0], q[1]; inv @ bell q[0], q[1]; ctrl @ x q[0], q[2]; pow(2) @ s q[1]; rzz(pi/4) q[1], q[2];`);
    expect(c.numQubits).toBe(3);
    expect(c.ops.length).toBe(2 + 2 + 1 + 2 + 3);
  });
});
