/**
 * The QPY writer against bytes Qiskit wrote: the Bell circuit (QPY 17, Qiskit 2.4.1), a file of
 * two circuits with a barrier and `measure_all` registers (QPY 17), and the layer circuits of
 * IBM's NoiseLearner result fixture (QPY 13, Qiskit 2.3.0), byte for byte; then round trips
 * through Berth's reader, whose circuits must act as written.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Circuit } from '../../ir/circuit.js';
import { bind, evolveFromZero, fuse } from '../../engines/execute.js';
import { SparseState } from '../../engines/sparse.js';
import { parseQasm } from '../qasm/parser.js';
import { type WriteCircuit, writeQpy } from './encode.js';
import { readQpyFile } from './index.js';

const ROOT = join(import.meta.dirname, '../../../..');
const BELL: WriteCircuit = {
  name: 'circuit-41',
  numQubits: 2,
  numClbits: 2,
  qregs: [{ name: 'q', bits: [0, 1] }],
  cregs: [{ name: 'c', bits: [0, 1] }],
  instructions: [
    { name: 'HGate', qubits: [0] },
    { name: 'CXGate', qubits: [0, 1] },
    { name: 'Measure', qubits: [0], clbits: [0] },
    { name: 'Measure', qubits: [1], clbits: [1] },
  ],
};

/** The final state of a circuit's unitary part. */
function stateOf(c: Circuit) {
  const s = evolveFromZero(c.numQubits, fuse(bind(c.ops, new Map())));
  return s instanceof SparseState ? s.toDense() : s;
}

describe('the QPY writer', () => {
  it('writes the Bell circuit byte for byte as Qiskit 2.4.1 did (QPY 17)', () => {
    const real = readFileSync(join(ROOT, 'examples/bell.qpy'));
    expect(Buffer.from(writeQpy([BELL], { version: 17, qiskitVersion: [2, 4, 1] }))).toEqual(real);
  });

  it('writes two circuits with their start table, a barrier and measure_all registers (QPY 17)', () => {
    const qc2: WriteCircuit = {
      name: 'circuit-42',
      numQubits: 3,
      numClbits: 6,
      qregs: [{ name: 'q', bits: [0, 1, 2] }],
      cregs: [
        { name: 'c', bits: [0, 1, 2] },
        { name: 'meas', bits: [3, 4, 5] },
      ],
      instructions: [
        { name: 'XGate', qubits: [0] },
        { name: 'HGate', qubits: [1] },
        { name: 'CXGate', qubits: [1, 2] },
        { name: 'Barrier', qubits: [0, 1, 2] },
        ...[0, 1, 2].map((q) => ({ name: 'Measure', qubits: [q], clbits: [3 + q] })),
      ],
    };
    const real = readFileSync(join(ROOT, 'test/fixtures/qpy/aria__two_circuits_qiskit_2_4_1.qpy'));
    expect(Buffer.from(writeQpy([BELL, qc2], { version: 17, qiskitVersion: [2, 4, 1] }))).toEqual(
      real,
    );
  });

  it("writes the layer circuits of IBM's NoiseLearner result byte for byte (QPY 13)", () => {
    const result = JSON.parse(
      readFileSync(join(ROOT, 'test/fixtures/ibm/noise_learner_v2/result_example.json'), 'utf8'),
    );
    const layers = result.data.map((d: any) => d.__value__);
    // What the four layers hold (read with Berth's reader): one CX each.
    const cx = [
      [1, 0],
      [0, 1],
      [1, 2],
      [0, 1],
    ];
    layers.forEach((layer: any, k: number) => {
      const real = inflateSync(Buffer.from(layer.circuit.__value__, 'base64'));
      // The name follows the 20-byte file header and the 37-byte circuit header.
      const name = new TextDecoder().decode(real.subarray(57, 57 + real.readUInt16BE(20)));
      const n = layer.qubits.length;
      const mine = writeQpy(
        [
          {
            name,
            numQubits: n,
            numClbits: 0,
            qregs: [{ name: 'q', bits: [...Array(n).keys()] }],
            cregs: [],
            instructions: [{ name: 'CXGate', qubits: cx[k] as number[] }],
          },
        ],
        { version: 13, qiskitVersion: [2, 3, 0] },
      );
      expect(Buffer.from(mine), `layer ${k}`).toEqual(real);
    });
  });

  it('writes circuits that read back to the same state: parameters, ECR, U, reset', () => {
    const c: WriteCircuit = {
      name: 'round-trip',
      numQubits: 3,
      numClbits: 1,
      qregs: [{ name: 'q', bits: [0, 1, 2] }],
      cregs: [{ name: 'c', bits: [0] }],
      instructions: [
        { name: 'UGate', qubits: [0], params: [0.3, -1.1, 2.5] },
        { name: 'RZGate', qubits: [1], params: [Math.PI / 7] },
        { name: 'SXGate', qubits: [1] },
        { name: 'ECRGate', qubits: [0, 1] },
        { name: 'RZZGate', qubits: [1, 2], params: [0.77] },
        { name: 'CZGate', qubits: [2, 0] },
      ],
    };
    for (const version of [13, 15, 17]) {
      const [read] = readQpyFile(writeQpy([c], { version })).circuits;
      const expected = parseQasm(
        'OPENQASM 3.0; include "stdgates.inc"; qubit[3] q; bit[1] c; U(0.3, -1.1, 2.5) q[0]; rz(pi/7) q[1]; sx q[1]; ecr q[0], q[1]; rzz(0.77) q[1], q[2]; cz q[2], q[0];',
      );
      const a = stateOf(read as Circuit);
      const b = stateOf(expected);
      expect(a.re.length).toBe(8);
      for (let k = 0; k < a.re.length; k++) {
        expect(a.re[k]).toBeCloseTo(b.re[k] as number, 12);
        expect(a.im[k]).toBeCloseTo(b.im[k] as number, 12);
      }
    }
  });

  it('refuses what it cannot write, rather than writing it wrong', () => {
    const one = (over: Partial<WriteCircuit>) => () =>
      writeQpy([{ ...BELL, ...over }], { version: 17 });
    expect(one({ instructions: [{ name: 'MyGate', qubits: [0] }] })).toThrow(
      'standard gates, Measure, Reset, Barrier and BoxOp, not MyGate',
    );
    expect(one({ instructions: [{ name: 'CXGate', qubits: [0, 2] }] })).toThrow('qubit 2 of 2');
    expect(one({ instructions: [{ name: 'RZGate', qubits: [0] }] })).toThrow('1 parameter(s)');
    expect(() => writeQpy([BELL], { version: 12 })).toThrow('versions 13 to 17');
  });
});
