/**
 * The QPY reader against real bytes written by Qiskit (test/fixtures/qpy, versions 10–17): every
 * payload is decoded, its structure checked against the code that made it (`source.source`) and
 * against the fixtures' independent decode, and the lowered circuits simulate as that code says.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { statevector } from '../../engines/exact.js';
import { runSampler } from '../../primitives/sampler.js';
import type { StateVector } from '../../engines/statevector.js';
import { decodeQpy } from './decode.js';
import { lowerToQasm } from './lower.js';
import { MAX_QPY_BYTES, qpyBytes, readQpyCircuit } from './index.js';
import type { QpyCircuit } from './model.js';

const DIR = join(import.meta.dirname, '../../../../test/fixtures/qpy');

interface Fixture {
  file: string;
  qpy_version: number;
  num_circuits: number;
  source: { source?: string };
  /** The independent decode: instructions with their bits, or (older files) op names only. */
  decoded?: {
    num_qubits: number;
    num_clbits: number;
    instructions?: { op: string; qubits?: number[]; clbits?: number[] }[];
    ops?: string[];
  }[];
}
const FIXTURES = (
  JSON.parse(readFileSync(join(DIR, 'fixtures.json'), 'utf8')) as { fixtures: Fixture[] }
).fixtures;
const bytesOf = (file: string): Buffer => readFileSync(join(DIR, file));
const circuitsOf = (file: string): QpyCircuit[] => [...decodeQpy(bytesOf(file)).circuits];
const one = (file: string): QpyCircuit => circuitsOf(file)[0] as QpyCircuit;

/** The lowered circuit's final state, with values by Qiskit parameter name. */
function stateOf(c: QpyCircuit, version: number, values: Record<string, number> = {}): StateVector {
  const lowered = lowerToQasm(c, version);
  const unitaries = lowered.unitaries;
  const byInternal = Object.fromEntries(
    lowered.parameters.map((name, i) => [`_p${String(i).padStart(6, '0')}`, values[name] ?? NaN]),
  );
  const unitary = lowered.qasm
    .split('\n')
    .filter((l) => !/measure|^bit\[/.test(l))
    .join('\n');
  return statevector(unitary, byInternal, { unitaries });
}

/** Equal amplitudes, global phase included. */
function expectExactState(a: StateVector, b: StateVector): void {
  expect(a.dim).toBe(b.dim);
  for (let k = 0; k < a.dim; k++) {
    expect(a.re[k], `re ${k}`).toBeCloseTo(b.re[k] ?? NaN, 10);
    expect(a.im[k], `im ${k}`).toBeCloseTo(b.im[k] ?? NaN, 10);
  }
}

function expectSameState(a: StateVector, b: StateVector): void {
  expect(a.dim).toBe(b.dim);
  // Equal up to a global phase: |<a|b>| = 1.
  let re = 0;
  let im = 0;
  for (let k = 0; k < a.dim; k++) {
    re += (a.re[k] ?? 0) * (b.re[k] ?? 0) + (a.im[k] ?? 0) * (b.im[k] ?? 0);
    im += (a.re[k] ?? 0) * (b.im[k] ?? 0) - (a.im[k] ?? 0) * (b.re[k] ?? 0);
  }
  expect(Math.hypot(re, im)).toBeCloseTo(1, 10);
}

describe('QPY payloads written by Qiskit', () => {
  it('decodes every fixture, versions 10 to 17, as the independent decode does', () => {
    expect(FIXTURES).toHaveLength(42);
    const versions = new Set<number>();
    for (const f of FIXTURES) {
      const file = decodeQpy(bytesOf(f.file));
      versions.add(file.version);
      expect(file.version, f.file).toBe(f.qpy_version);
      expect(file.circuits, f.file).toHaveLength(f.num_circuits);
      f.decoded?.forEach((d, i) => {
        const c = file.circuits[i];
        expect(c?.numQubits, f.file).toBe(d.num_qubits);
        expect(c?.numClbits, f.file).toBe(d.num_clbits);
        if (d.instructions)
          expect(
            c?.instructions.map((ins) => [ins.name, ins.qubits, ins.clbits]),
            f.file,
          ).toEqual(d.instructions.map((x) => [x.op, x.qubits ?? [], x.clbits ?? []]));
        else
          expect(
            c?.instructions.map((ins) => ins.name),
            f.file,
          ).toEqual(d.ops);
      });
    }
    expect([...versions].sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14, 16, 17]);
  });

  it('reads symengine-encoded expressions (real bytes exist only in version 10) as their source built them', () => {
    // U3Gate(theta, 3.14159·theta, λ), U1Gate(3.14159·theta/λ), U2Gate(3.14159·theta, λ).
    const [t, l] = [0.7, 1.3];
    expectExactState(
      stateOf(one('qiskit_qpycompat__parameterized_qiskit_1_0_0dev_v10.qpy'), 10, {
        theta: t,
        λ: l,
      }),
      statevector(`OPENQASM 3.0; include "stdgates.inc"; qubit[1] q;
        u3(${t}, ${3.14159 * t}, ${l}) q[0]; u1(${(3.14159 * t) / l}) q[0]; u2(${3.14159 * t}, ${l}) q[0];`),
    );
    // ry(θ_par[0]) on 7 qubits, cz along the line, then rz(−2·x_par[2i+1]) and rx(−2·x_par[2i]).
    const x = Array.from({ length: 14 }, (_, k) => 0.1 * (k + 1));
    const values: Record<string, number> = { 'θ_par[0]': 0.45 };
    x.forEach((v, k) => (values[`x_par[${k}]`] = v));
    const lines = ['OPENQASM 3.0; include "stdgates.inc"; qubit[7] q;'];
    for (let i = 0; i < 7; i++) lines.push(`ry(0.45) q[${i}];`);
    for (let i = 0; i < 6; i++) lines.push(`cz q[${i}], q[${i + 1}];`);
    for (let i = 0; i < 7; i++)
      lines.push(
        `rz(${-2 * (x[2 * i + 1] as number)}) q[${i}]; rx(${-2 * (x[2 * i] as number)}) q[${i}];`,
      );
    expectExactState(
      stateOf(
        one('qiskit_qpycompat__parameter_vector_expression_qiskit_1_0_0dev_v10.qpy'),
        10,
        values,
      ),
      statevector(lines.join('\n')),
    );
  });

  it('reads the sympy text Qiskit 1.0 wrote for a global phase (theta + phi), phase included', () => {
    const [phase] = circuitsOf('qiskit_qpycompat__param_phase_qiskit_1_0_0dev_v10.qpy');
    const [t, f] = [0.3, 1.1];
    const lines = [
      'OPENQASM 3.0; include "stdgates.inc"; qubit[5] q;',
      `gphase(${t + f});`,
      'h q[0];',
    ];
    for (let i = 0; i < 4; i++) lines.push(`cx q[${i}], q[${i + 1}];`);
    for (let i = 0; i < 3; i++) lines.push(`rz(${t + f}) q[${i}];`);
    lines.push(`rz(${f}) q[3];`, `rz(${t}) q[4];`);
    for (let i = 3; i >= 0; i--) lines.push(`cx q[${i}], q[${i + 1}];`);
    lines.push('h q[0];');
    expectExactState(
      stateOf(phase as QpyCircuit, 10, { theta: t, phi: f }),
      statevector(lines.join('\n')),
    );
  });

  it('reads version 17 (Qiskit 2.4.1) as its source wrote it', () => {
    const bell = one('aria__bell_qiskit_2_4_1.qpy');
    expect(bell.instructions.map((i) => [i.name, i.qubits, i.clbits])).toEqual([
      ['HGate', [0], []],
      ['CXGate', [0, 1], []],
      ['Measure', [0], [0]],
      ['Measure', [1], [1]],
    ]);
    expect(bell.qregs).toEqual([{ name: 'q', bits: [0, 1], inCircuit: true }]);
    expect(bell.cregs).toEqual([{ name: 'c', bits: [0, 1], inCircuit: true }]);
    // qc.rx(math.pi/4, 0): the float is little endian.
    expect(one('aria__rx_param_qiskit_2_4_1.qpy').instructions[0]?.params).toEqual([
      { k: 'float', v: Math.PI / 4 },
    ]);
    // The same θ (one UUID) in RX and CRZ; φ in RY.
    const two = one('aria__two_params_qiskit_2_4_1.qpy');
    const ids = two.instructions.map((i) =>
      i.params[0]?.k === 'expr' ? i.params[0].symbols[0]?.id : null,
    );
    expect(ids[0]).toBe(ids[2]);
    expect(ids[0]).not.toBe(ids[1]);
    expect(lowerToQasm(two, 17).parameters).toEqual(['θ', 'φ']);
    // Two circuits through the start table; measure_all adds a 'meas' register.
    const [a, b] = circuitsOf('aria__two_circuits_qiskit_2_4_1.qpy');
    expect(a?.numQubits).toBe(2);
    expect(b?.cregs.map((r) => r.name)).toEqual(['c', 'meas']);
    expect(b?.numClbits).toBe(6);
  });

  it('lowers the wide-gate circuit to the same state as its source in OpenQASM', () => {
    const wide = one('aria__wide_gates_qiskit_2_4_1.qpy');
    expect(wide.instructions).toHaveLength(20);
    // The gates and angles of the source, on the qubits the bytes give each of them.
    const source = `OPENQASM 3.0; include "stdgates.inc"; qubit[3] q;
      h q[0]; x q[1]; y q[2]; z q[0]; s q[0]; sdg q[0]; t q[1]; tdg q[1]; id q[2];
      rx(pi/4) q[0]; ry(pi/3) q[1]; rz(pi/6) q[2]; u3(pi/2, pi/4, pi/8) q[0];
      cx q[0], q[1]; cy q[0], q[2]; cz q[1], q[2]; swap q[0], q[2]; crz(pi/4) q[0], q[1];
      ccx q[0], q[1], q[2]; cswap q[0], q[1], q[2];`;
    const byName = wide.instructions.map((i) => `${i.name}(${i.qubits.join(',')})`);
    expect(byName.slice(0, 4)).toEqual(['HGate(0)', 'XGate(1)', 'YGate(2)', 'ZGate(0)']);
    expectSameState(stateOf(wide, 17), statevector(source));
  });

  it('evaluates parameter expressions and vectors as Qiskit built them (version 13 replay)', () => {
    const p1 = (c: QpyCircuit, values: Record<string, number>): number =>
      stateOf(c, 17, values).probabilityOne(0);
    const theta = 0.37;
    // rx(a): P(1) = sin²(a/2).
    const sin2 = (a: number): number => Math.sin(a / 2) ** 2;
    expect(p1(one('aria__rx_paramexpr_qiskit_2_4_1.qpy'), { θ: theta })).toBeCloseTo(
      sin2(theta + 1.5),
      12,
    );
    expect(p1(one('aria__rx_paramexpr_compound_qiskit_2_4_1.qpy'), { θ: theta })).toBeCloseTo(
      sin2((theta + 1) * 2),
      12,
    );
    // op code 18, reversed subtract: 1.5 − φ.
    expect(p1(one('aria__rx_paramexpr_rsub_qiskit_2_4_1.qpy'), { φ: theta })).toBeCloseTo(
      sin2(1.5 - theta),
      12,
    );
    const vec = one('aria__rx_paramvector_expr_qiskit_2_4_1.qpy');
    expect(lowerToQasm(vec, 17).parameters).toEqual(['gamma[0]', 'gamma[1]']);
    expect(p1(vec, { 'gamma[0]': 0.2, 'gamma[1]': 0.5 })).toBeCloseTo(sin2(2 * 0.2 + 0.5), 12);
  });

  it('orders ParameterVector elements numerically, as circuit.parameters does', () => {
    const c = one('qiskit_qpycompat__parameter_vector_qiskit_1_0_0dev_v10.qpy');
    const names = lowerToQasm(c, 10).parameters;
    expect(names.slice(0, 3)).toEqual(['x_par[0]', 'x_par[1]', 'x_par[2]']);
    expect(names[10]).toBe('x_par[10]');
    expect(names[11]).toBe('θ_par[0]');
  });

  it('reads custom gates, open-controlled custom gates and a transpiler custom definition (older versions only)', () => {
    // Version 12: a custom 2-qubit gate "dcx_<uuid>" whose definition is CX(0,1) CX(1,0).
    const dcx = one('transpiler__random_3q_custom_dcx_qiskit_1_2_0_v12.qpy');
    const [key, custom] = [...dcx.customs][0] ?? [];
    expect(key).toMatch(/^dcx_[0-9a-f]{32}$/);
    expect(custom?.definition?.instructions.map((i) => [i.name, i.qubits])).toEqual([
      ['CXGate', [0, 1]],
      ['CXGate', [1, 0]],
    ]);
    // The custom gate is the DCX gate: the lowered circuit equals one written with two CXs.
    const u3 = dcx.instructions[3]?.params.map((p) => (p.k === 'float' ? p.v : NaN)) ?? [];
    const crx = dcx.instructions[4]?.params[0];
    const angle = crx?.k === 'float' ? crx.v : NaN;
    expect(dcx.instructions.map((i) => [i.name.replace(/_.*/, ''), i.qubits])).toEqual([
      ['CZGate', [0, 2]],
      ['SdgGate', [1]],
      ['dcx', expect.any(Array)],
      ['U3Gate', [0]],
      ['CRXGate', [1, 0]],
      ['YGate', [2]],
    ]);
    const [d0, d1] = dcx.instructions[2]?.qubits ?? [];
    expectSameState(
      stateOf(dcx, 12),
      statevector(`OPENQASM 3.0; include "stdgates.inc"; qubit[3] q; cz q[0], q[2]; sdg q[1];
        cx q[${d0}], q[${d1}]; cx q[${d1}], q[${d0}]; u3(${u3.join(', ')}) q[0];
        crx(${angle}) q[1], q[0]; y q[2];`),
    );
    // Open controls (version 10): ctrl_state 0 is a negative control on the custom gate.
    const open = circuitsOf('qiskit_qpycompat__open_controlled_gates_qiskit_1_0_0dev_v10.qpy');
    expect(lowerToQasm(open[0] as QpyCircuit, 10).qasm).toMatch(/negctrl @ /);
  });
});

describe('PauliGate (real bytes exist only in version 10)', () => {
  it('applies X^Y^Z: Z on qubit 0, Y on qubit 1, X on qubit 2', () => {
    const c = one('qiskit_qpycompat__string_parameters_qiskit_1_0_0dev_v10.qpy');
    expect(c.instructions[0]?.params).toEqual([{ k: 'string', v: 'XYZ' }]);
    const source =
      'OPENQASM 3.0; include "stdgates.inc"; qubit[3] q; h q[0]; h q[1]; h q[2]; z q[0]; y q[1]; x q[2];';
    const lowered = lowerToQasm(c, 10).qasm.replace(
      'qubit[3] q;',
      'qubit[3] q;\nh q[0];\nh q[1];\nh q[2];',
    );
    expectSameState(statevector(lowered), statevector(source));
  });
});

describe('UnitaryGate (real bytes exist only in version 10)', () => {
  /** Column 0 of a .npy complex128 d×d array, read here on its own (not by lower.ts). */
  function firstColumn(npy: Uint8Array, d: number): [number, number][] {
    const headerLength = (npy[8] ?? 0) + 256 * (npy[9] ?? 0);
    const body = new DataView(npy.buffer, npy.byteOffset + 10 + headerLength);
    return Array.from({ length: d }, (_, r) => [
      body.getFloat64(16 * r * d, true),
      body.getFloat64(16 * r * d + 8, true),
    ]);
  }

  it('applies its matrix on its qubits in order: U|0…0⟩ is the first column of the matrix', () => {
    const cases: [string, number][] = [
      ['qiskit_qpycompat__unitary_qiskit_1_0_0dev_v10.qpy', 0],
      // out_of_order_bits: the same kind of gate on qubits [3, 1, 2, 4, 0].
      ['qiskit_qpycompat__register_edge_cases_qiskit_1_0_0dev_v10.qpy', 3],
    ];
    for (const [file, index] of cases) {
      const c = circuitsOf(file)[index] as QpyCircuit;
      const ins = c.instructions.find((i) => i.name === 'UnitaryGate' && i.qubits.length === 5);
      const p = ins?.params[0];
      if (!ins || p?.k !== 'ndarray') throw new Error(`${file}: no 5-qubit UnitaryGate`);
      const column = firstColumn(p.bytes, 32);
      const lowered = lowerToQasm({ ...c, instructions: [ins] }, 10);
      const sv = statevector(
        lowered.qasm
          .split('\n')
          .filter((l) => !/measure|^bit\[/.test(l))
          .join('\n'),
        {},
        { unitaries: lowered.unitaries },
      );
      column.forEach(([re, im], k) => {
        // Matrix index bit j is the gate's qubit j.
        const idx = ins.qubits.reduce((a, q, j) => a + (((k >> j) & 1) << q), 0);
        expect(sv.re[idx], `${file} amplitude ${k}`).toBeCloseTo(re, 12);
        expect(sv.im[idx], `${file} amplitude ${k}`).toBeCloseTo(im, 12);
      });
    }
  });
});

describe('PauliEvolutionGate (real bytes exist only in version 10)', () => {
  it('evolves under the sum of its operators by its Suzuki–Trotter synthesis, phases included', () => {
    const c = one('qiskit_qpycompat__pauli_evo_qiskit_1_0_0dev_v10.qpy');
    const [custom] = [...c.customs.values()];
    // PauliEvolutionGate([ZI + IZ] * 5, time=2), SuzukiTrotter(order 2).
    expect(custom?.evolution?.operators).toHaveLength(5);
    expect(custom?.evolution?.synthesis).toMatchObject({
      class: 'SuzukiTrotter',
      settings: { order: 2 },
    });
    const lowered = lowerToQasm(c, 10).qasm.replace('qubit[2] q;', 'qubit[2] q;\nh q[0];\nh q[1];');
    const sv = statevector(lowered);
    // The terms commute: exp(−i·2·5·(Z0 + Z1)) on |++⟩, amplitude e^{−i·10·(z0 + z1)}/2.
    for (let k = 0; k < 4; k++) {
      const phase = -10 * ((k & 1 ? -1 : 1) + (k & 2 ? -1 : 1));
      expect(sv.re[k]).toBeCloseTo(Math.cos(phase) / 2, 12);
      expect(sv.im[k]).toBeCloseTo(Math.sin(phase) / 2, 12);
    }
  });
});

describe('QPY control flow (real bytes exist only in version 10)', () => {
  const LIMITS = { maxQubits: 5, maxShots: 10_000, maxExperiments: 5 };
  const counts = (qasm: string, shots = 400, register = 'c'): Record<string, number> =>
    (
      runSampler({ pubs: [[qasm, null, shots]], options: { seed: 7 } }, LIMITS) as {
        __value__: {
          pub_results: {
            __value__: { metadata: { counts: Record<string, Record<string, number>> } };
          }[];
        };
      }
    ).__value__.pub_results[0]?.__value__.metadata.counts[register] ?? {};

  it('runs if_else and its else branch on a measured bit, as the source does', () => {
    const [ifOnly, ifElse] = circuitsOf('qiskit_qpycompat__control_flow_qiskit_1_0_0dev_v10.qpy');
    // h(0); measure(0, 0); if c[0]: x(1); measure(1, 1) → c is 00 or 11.
    expect(Object.keys(counts(lowerToQasm(ifOnly as QpyCircuit, 10).qasm)).sort()).toEqual([
      '00',
      '11',
    ]);
    // The else branch is y(1): q1 flips either way → c is 10 or 11.
    expect(Object.keys(counts(lowerToQasm(ifElse as QpyCircuit, 10).qasm)).sort()).toEqual([
      '10',
      '11',
    ]);
  });

  it('turns switch_case into an if/else chain: values, multi-value cases and the default', () => {
    const [onBit, onReg] = circuitsOf(
      'qiskit_qpycompat__control_flow_switch_qiskit_1_0_0dev_v10.qpy',
    );
    expect(lowerToQasm(onBit as QpyCircuit, 10).qasm).toContain(
      'if (c[0] == 1) {\n  x q[0];\n} else {\n  if (c[0] == 0) {\n    z q[1];',
    );
    // switch(creg c = 0) → case 0: x(0). Measure afterwards: c reads 001.
    const qasm = `${lowerToQasm(onReg as QpyCircuit, 10).qasm}c[0] = measure q[0];\nc[1] = measure q[1];\n`;
    expect(counts(qasm, 50)).toEqual({ '001': 50 });
  });

  it('reads expression conditions: a register equal to a value', () => {
    // qc1.if_test(expr.equal(cr1, 3), body, [0], []) (then a while loop, left out here).
    const [qc1] = circuitsOf('qiskit_qpycompat__control_flow_expr_qiskit_1_0_0dev_v10.qpy');
    const ifOnly = {
      ...(qc1 as QpyCircuit),
      instructions: (qc1 as QpyCircuit).instructions.slice(0, 1),
    };
    expect(lowerToQasm(ifOnly, 10).qasm).toContain('if (c1 == 3) {\n  x q[0];\n}');
    // c1 is 00: the body does not run, and q[0] is still 0.
    const measured = `${lowerToQasm(ifOnly, 10).qasm}c1[0] = measure q[0];\n`;
    expect(counts(measured, 20, 'c1')).toEqual({ '00': 20 });
  });

  it('runs a while loop until its condition fails (real bytes exist only in version 10)', () => {
    const [, , whileLoop] = circuitsOf('qiskit_qpycompat__control_flow_qiskit_1_0_0dev_v10.qpy');
    // while c[0] == 0: h(0); cx(0, 1); measure(0, 0). Each pass that reads 0 leaves q1 at 0; the
    // pass that reads 1 exits with q1 flipped. So q1 is 1 after the loop in every shot, where a
    // single pass would leave it 1 only half the time.
    const lowered = lowerToQasm(whileLoop as QpyCircuit, 10).qasm;
    expect(lowered).toContain('while (c[0] == 0) {');
    expect(counts(`${lowered}c[0] = measure q[1];\n`, 200)).toEqual({ '1': 200 });
  });

  it('reads expression conditions: comparisons, bitwise and logical trees, casts, a 256-bit register (version 10 bytes)', () => {
    const [, qc2, qc3, qc4] = circuitsOf(
      'qiskit_qpycompat__control_flow_expr_qiskit_1_0_0dev_v10.qpy',
    );
    const run = (qc: unknown, register: string): Record<string, number> =>
      counts(
        `${lowerToQasm(qc as QpyCircuit, 10).qasm}${register}[0] = measure q[1];\n`,
        20,
        register,
      );
    // if (c1 < c2 || c1[1]) with every register 0: false, so q[1] stays 0.
    expect(lowerToQasm(qc2 as QpyCircuit, 10).qasm).toContain('if ((c1 < c2) || c1[1]) {');
    expect(run(qc2, 'c1')).toEqual({ '000': 20 });
    // switch (c1 ^ c2) case 0 → if (!c1[1]) x: both hold, so q[1] flips.
    expect(run(qc3, 'c1')).toEqual({ '001': 20 });
    // qc4: switch on a logic_and tree, case False (it holds: every comparison of 0 with 0 is
    // false), then if (((c2 | 7) > 10 || (c1 & c1) == ~c1) && …), false on 256-bit zeros. Either
    // way q[1] stays 0, so this shows the tree reads and runs; the OpenQASM tests in
    // features.test.ts hold each operator to its value.
    const four = run(qc4, 'c2');
    expect(four).toEqual({ '0000': 20 });
    expect(lowerToQasm(qc4 as QpyCircuit, 10).qasm).toContain('((c1 & c1) == ~c1)');
  });

  it('continues a for_loop and breaks a while_loop (built on the Bell circuit: no real bytes)', () => {
    const [bell] = circuitsOf('aria__bell_qiskit_2_4_1.qpy');
    const c = bell as QpyCircuit;
    const measures = c.instructions.filter((i) => i.name === 'Measure');
    const base = { label: '', clbits: [], condition: null, numCtrlQubits: 0, ctrlState: 0 };
    const gate = (name: string, q: number) => ({ ...base, name, qubits: [q], params: [] });
    const onBit0 = { k: 'equals' as const, target: { k: 'register' as const, clbit: 0 }, value: 0 };
    const block = (instructions: QpyCircuit['instructions']): QpyCircuit => ({
      ...c,
      instructions,
    });
    // for _ in range(3): x(1); if c[0] == 0: continue; x(0)   → q1 flips 3 times, q0 never.
    const forLoop = {
      ...base,
      name: 'ForLoopOp',
      qubits: [0, 1],
      clbits: [0, 1],
      params: [
        { k: 'range' as const, start: 0, stop: 3, step: 1 },
        { k: 'null' as const },
        {
          k: 'circuit' as const,
          c: block([
            gate('XGate', 1),
            { ...gate('ContinueLoopOp', 0), qubits: [], condition: onBit0 },
            gate('XGate', 0),
          ]),
        },
      ],
    };
    const forProgram = block([forLoop, ...measures]);
    expect(counts(lowerToQasm(forProgram, 12).qasm, 20)).toEqual({ '10': 20 });
    // while c[0] == 0: x(1); break; x(0)   → one pass: q1 is 1, q0 stays 0.
    const whileLoop = {
      ...base,
      name: 'WhileLoopOp',
      qubits: [0, 1],
      clbits: [0, 1],
      condition: onBit0,
      params: [
        {
          k: 'circuit' as const,
          c: block([gate('XGate', 1), { ...gate('BreakLoopOp', 0), qubits: [] }, gate('XGate', 0)]),
        },
      ],
    };
    const whileQasm = lowerToQasm(block([whileLoop, ...measures]), 12).qasm;
    expect(whileQasm).toContain('while ((c[0] == 0) && !_brk0) {');
    expect(counts(whileQasm, 20)).toEqual({ '10': 20 });
    expect(() => lowerToQasm(block([{ ...gate('BreakLoopOp', 0), qubits: [] }]), 12)).toThrow(
      /BreakLoopOp \(QPY version 12\): there is no loop to leave/,
    );
  });

  it('breaks out of a for_loop when the body says so (real bytes exist only in version 10)', () => {
    const [, , , forLoop, iterator] = circuitsOf(
      'qiskit_qpycompat__control_flow_qiskit_1_0_0dev_v10.qpy',
    );
    // for _ in range(5): h(0); cx(0, 1); measure(0, 0); if c[0]: break. A pass that reads 0
    // leaves q1 alone; the one that reads 1 flips q1 and breaks. So q1 ends 1 unless all five
    // passes read 0: P = 1 − 2⁻⁵ = 31/32. The iterator form is the same loop.
    for (const qc of [forLoop, iterator]) {
      const lowered = lowerToQasm(qc as QpyCircuit, 10).qasm;
      expect(lowered).toContain('_brk0 = true;');
      const shots = 4000;
      const got = counts(`${lowered}c[0] = measure q[1];\n`, shots)['1'] ?? 0;
      const p = 31 / 32;
      expect(Math.abs(got / shots - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / shots));
    }
  });
});

describe('QPY delays', () => {
  // No fixture holds a Delay (the scheduled circuits that carry them are not among the real
  // bytes), so this edits a decoded real circuit: the Bell pair's h becomes x, then a Delay.
  it('become OpenQASM delays in dt (QPY keeps no unit; Qiskit reads dt too) that relax with T1', () => {
    const [bell] = circuitsOf('aria__bell_qiskit_2_4_1.qpy');
    const c = bell as QpyCircuit;
    const measure = c.instructions.find((i) => i.name === 'Measure');
    const base = { label: '', clbits: [], condition: null, numCtrlQubits: 0, ctrlState: 0 };
    const edited: QpyCircuit = {
      ...c,
      instructions: [
        { ...base, name: 'XGate', qubits: [0], params: [] },
        { ...base, name: 'Delay', qubits: [0], params: [{ k: 'int', v: 40_000 }] },
        { ...(measure as NonNullable<typeof measure>), qubits: [0], clbits: [0] },
      ],
    };
    const { qasm } = lowerToQasm(edited, 17);
    expect(qasm).toContain('delay[40000dt] q[0];');
    // dt = 0.5 ns: 40,000 dt is 20 µs; T1 = 40 µs keeps exp(−0.5) of |1⟩.
    const shots = 20_000;
    const r = runSampler(
      { pubs: [[qasm, null, shots]], options: { seed: 3 } },
      {
        maxQubits: 5,
        maxShots: 100_000,
        maxExperiments: 5,
        relaxation: { t1: [40e-6, 40e-6], t2: [40e-6, 40e-6], dt: 0.5e-9 },
      },
    ) as {
      __value__: {
        pub_results: {
          __value__: { metadata: { counts: Record<string, Record<string, number>> } };
        }[];
      };
    };
    const counts = r.__value__.pub_results[0]?.__value__.metadata.counts.c ?? {};
    const ones = Object.entries(counts).reduce(
      (n, [bits, k]) => n + (bits.endsWith('1') ? k : 0),
      0,
    );
    const p = Math.exp(-0.5);
    expect(Math.abs(ones / shots - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / shots));
    expect(() =>
      lowerToQasm(
        {
          ...edited,
          instructions: [{ ...base, name: 'Delay', qubits: [0], params: [{ k: 'float', v: -1 }] }],
        },
        17,
      ),
    ).toThrow(/Delay \(QPY version 17\): its duration is not a non-negative number/);
  });
});

describe('QPY standalone variables', () => {
  // The only real bytes with standalone variables (Qiskit's qpy_compat "standalone_var") are
  // not among the fixtures, so this builds the decoded form the reader gives for such a circuit,
  // on the Bell circuit's registers: bool b = true; uint[8] k = 0;
  // while (k != 3) { k = (k << 1) | 1; x q[0]; }  if (b) { x q[1]; }  measure both.
  it('become OpenQASM bool and uint variables that Store assigns and conditions read', () => {
    const [bell] = circuitsOf('aria__bell_qiskit_2_4_1.qpy');
    const c = bell as QpyCircuit;
    const measures = c.instructions.filter((i) => i.name === 'Measure');
    const base = { label: '', clbits: [], condition: null, numCtrlQubits: 0, ctrlState: 0 };
    const v = (index: number) => ({ k: 'var' as const, index });
    const val = (x: number | boolean) => ({ k: 'value' as const, v: x });
    const cexpr = (e: unknown) => ({ k: 'cexpr' as const, e }) as never;
    const vars = [
      { uuid: 'b0', name: 'θψφ', usage: 'L', type: 'b', width: 1 },
      { uuid: 'k0', name: '🐍🐍🐍', usage: 'L', type: 'u', width: 8 },
    ];
    const store = (target: unknown, value: unknown) => ({
      ...base,
      name: 'Store',
      qubits: [],
      params: [cexpr(target), cexpr(value)],
    });
    // The loop body captures k (its index 0 in the body's own table).
    const loopBody: QpyCircuit = {
      ...c,
      numClbits: 0,
      cregs: [],
      vars: [{ ...(vars[1] as (typeof vars)[number]), usage: 'C' }],
      instructions: [
        store(v(0), {
          k: 'binary',
          op: 2,
          a: { k: 'binary', op: 12, a: v(0), b: val(1) },
          b: val(1),
        }),
        { ...base, name: 'XGate', qubits: [0], params: [] },
      ],
    };
    const ifBody: QpyCircuit = {
      ...c,
      numClbits: 0,
      cregs: [],
      vars: [],
      instructions: [{ ...base, name: 'XGate', qubits: [0], params: [] }],
    };
    const program: QpyCircuit = {
      ...c,
      vars,
      instructions: [
        store(v(0), val(true)),
        store(v(1), val(0)),
        {
          ...base,
          name: 'WhileLoopOp',
          qubits: [0, 1],
          condition: { k: 'expr', e: { k: 'binary', op: 7, a: v(1), b: val(3) } as never },
          params: [{ k: 'circuit', c: loopBody }],
        },
        {
          ...base,
          name: 'IfElseOp',
          qubits: [1],
          condition: { k: 'expr', e: v(0) as never },
          params: [{ k: 'circuit', c: ifBody }, { k: 'null' }],
        },
        ...measures,
      ],
    };
    const { qasm } = lowerToQasm(program, 12);
    expect(qasm).toContain('bool _v0;\nuint[8] _v1;');
    expect(qasm).toContain('while (_v1 != 3) {\n  _v1 = (_v1 << 1) | 1;');
    // Two passes (k: 1, 3) leave q[0] at 0; b holds, so q[1] is 1: c reads 10, and the
    // variables are no output register.
    const r = runSampler(
      { pubs: [[qasm, null, 50]], options: { seed: 1 } },
      {
        maxQubits: 2,
        maxShots: 100,
        maxExperiments: 1,
      },
    ) as { __value__: { pub_results: { __value__: { metadata: { counts: object } } }[] } };
    expect(r.__value__.pub_results[0]?.__value__.metadata.counts).toEqual({ c: { '10': 50 } });
    // An input variable has no value a primitive could give it.
    expect(() =>
      lowerToQasm(
        {
          ...program,
          vars: [{ ...(vars[0] as (typeof vars)[number]), usage: 'I' }, vars[1] as never],
        },
        12,
      ),
    ).toThrow(/standalone variable "θψφ" \(QPY version 12\) is an input variable/);
  });
});

describe('QPY StatePreparation', () => {
  // No fixture holds one either: this edits the decoded Bell circuit the same way.
  it('prepares its state on qubits still in |0⟩, and refuses it elsewhere, saying why', () => {
    const [bell] = circuitsOf('aria__bell_qiskit_2_4_1.qpy');
    const c = bell as QpyCircuit;
    const base = { label: '', clbits: [], condition: null, numCtrlQubits: 0, ctrlState: 0 };
    const r = Math.SQRT1_2;
    const prep = {
      ...base,
      name: 'StatePreparation',
      qubits: [0, 1],
      params: [r, 0, 0, -r].map((v) => ({ k: 'float' as const, v })),
    };
    const { qasm, unitaries } = lowerToQasm({ ...c, instructions: [prep] }, 17);
    // Exactly (|00⟩ − |11⟩)/√2.
    const state = statevector(qasm, {}, { unitaries });
    [r, 0, 0, -r].forEach((v, k) => {
      expect(state.re[k]).toBeCloseTo(v, 12);
      expect(state.im[k]).toBeCloseTo(0, 12);
    });
    const late = {
      ...c,
      instructions: [{ ...base, name: 'HGate', qubits: [0], params: [] }, prep],
    };
    expect(() => lowerToQasm(late, 17)).toThrow(
      /StatePreparation runs here only on qubits still in \|0⟩/,
    );
  });
});

describe('QPY from the client wrapper', () => {
  it('inflates base64 zlib, and refuses a zlib bomb before it is whole', () => {
    const wrapped = deflateSync(bytesOf('aria__bell_qiskit_2_4_1.qpy')).toString('base64');
    expect(readQpyCircuit({ __type__: 'QuantumCircuit', __value__: wrapped }).numQubits).toBe(2);
    const bomb = deflateSync(Buffer.alloc(MAX_QPY_BYTES + 1)).toString('base64');
    expect(bomb.length).toBeLessThan(200_000);
    expect(() => qpyBytes(bomb)).toThrow(/inflates to more than/);
    expect(() => qpyBytes('not base64 at all!')).toThrow(/base64/);
  });
});
