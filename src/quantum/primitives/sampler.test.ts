/**
 * The sampler's two ways of turning shots into counts and BitArrays: registers of up to 30 bits
 * go through one integer per shot, wider ones bit by bit. Both must give the same document.
 */
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../index.js';
import { readNpy } from '../encoding/npy.js';

type J = any;
const LIMITS = { maxQubits: 12, maxShots: 100_000, maxExperiments: 10 };
const H = 'OPENQASM 3.0; include "stdgates.inc";';
const decode = (nd: J) => readNpy(inflateSync(Buffer.from(nd.__value__, 'base64')));

describe('sampler registers', () => {
  it('give the same counts, in the same key order, and bytes at 30 bits as at 31', () => {
    // Ten qubits in a spread of outcomes, measured into a 30-bit and a 31-bit register alike.
    const gates = Array.from({ length: 10 }, (_, q) => `ry(${0.4 + q / 5}) q[${q}];`).join(' ');
    const ladder = Array.from({ length: 9 }, (_, q) => `cx q[${q}], q[${q + 1}];`).join(' ');
    const into = (reg: string): string =>
      Array.from({ length: 10 }, (_, k) => `${reg}[${3 * k}] = measure q[${k}];`).join(' ');
    const qasm = `${H} qubit[10] q; bit[30] a; bit[31] b; ${gates} ${ladder} ${gates} ${into('a')} ${into('b')}`;
    const r = (
      runProgram('sampler', { pubs: [[qasm, null, 3000]], options: { seed: 8 } }, LIMITS)
        .result as J
    ).__value__.pub_results[0].__value__;
    const { a, b } = r.metadata.counts;
    expect(Object.keys(a).length).toBeGreaterThan(100);
    expect(Object.entries(b)).toEqual(Object.entries(a).map(([k, n]) => [`0${k}`, n]));
    // Both take 4 bytes a shot, and bit 30 of b is never set: the bytes are the same.
    const bytesA = decode(r.data.__value__.fields.a.__value__.array);
    const bytesB = decode(r.data.__value__.fields.b.__value__.array);
    expect(bytesA.shape).toEqual([3000, 4]);
    expect(bytesB).toEqual(bytesA);
  });

  it('read a register wider than 30 bits bit by bit (40 bits, both ends set)', () => {
    const qasm = `${H} qubit[2] q; bit[40] c; x q[0]; x q[1]; c[0] = measure q[0]; c[39] = measure q[1];`;
    const r = (runProgram('sampler', { pubs: [[qasm, null, 5]] }, LIMITS).result as J).__value__
      .pub_results[0].__value__;
    expect(r.metadata.counts.c).toEqual({ [`1${'0'.repeat(38)}1`]: 5 });
    const arr = decode(r.data.__value__.fields.c.__value__.array);
    expect(arr.shape).toEqual([5, 5]);
    expect(arr.data.slice(0, 5)).toEqual([0x80, 0, 0, 0, 0x01]);
  });
});

describe('sampler options', () => {
  const bell = `${H} qubit[2] q; bit[2] c; h q[0]; cx q[0], q[1]; c = measure q;`;
  const shotsOf = (params: object): number =>
    (runProgram('sampler', params, LIMITS).result as J).__value__.pub_results[0].__value__.metadata
      .shots;

  it('take default_shots over params.shots, and a pub’s own shots over both', () => {
    expect(shotsOf({ pubs: [[bell]], shots: 300, options: { default_shots: 200 } })).toBe(200);
    expect(shotsOf({ pubs: [[bell]], shots: 300 })).toBe(300);
    expect(shotsOf({ pubs: [[bell, null, 7]], options: { default_shots: 200 } })).toBe(7);
    expect(shotsOf({ pubs: [[bell]] })).toBe(4096);
  });

  it('accept meas_type "classified" and refuse IQ data, naming the allowed values', () => {
    const run = (execution: object) => () =>
      runProgram('sampler', { pubs: [[bell]], options: { execution } }, LIMITS);
    expect(run({ meas_type: 'classified', init_qubits: true, rep_delay: 0.00025 })).not.toThrow();
    expect(run({ meas_type: 'kerneled' })).toThrow(/IQ readout data.*use "classified"/);
    expect(run({ meas_type: 'bits' })).toThrow(
      /must be one of "classified", "kerneled", "avg_kerneled" \(got "bits"\)/,
    );
  });
});
