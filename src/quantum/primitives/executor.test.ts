/**
 * The executor program (schema v2.0) against IBM's model rules (ibm-quantum-schemas
 * executor/version_2_0/models.py, as the project spec programs.md §1 reads them) and closed-form outcomes, with
 * circuits that real Qiskit wrote (test/fixtures/qpy) and the spec's own validated example.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { product } from './arrays.js';
import { checkProgram, runProgram } from '../index.js';
import { type Tensor, bools, boolTensor, f64Tensor, float64s, readTensor } from './tensor.js';

type J = any;
const LIMITS = { maxQubits: 20, maxShots: 100_000, maxExperiments: 10 };
const FIXTURES = join(import.meta.dirname, '../../../test/fixtures/qpy');
const qpyFile = (name: string) =>
  deflateSync(readFileSync(join(FIXTURES, name))).toString('base64');
const BELL_QPY = deflateSync(readFileSync(join(import.meta.dirname, '../../../examples/bell.qpy')));

/** The validated example of programs.md §1, as IBM's models accept it (4 shots of a Bell pair). */
const SPEC_EXAMPLE = {
  schema_version: 'v2.0',
  quantum_program: {
    shots: 4,
    circuits: {
      b64_data:
        'eJwL9Az29gwRZGJhZIAAxoJCKEuGgSuNgQPIYIJiBjQ2C4hIzixKLs0s0TUxhIoyVNcWMoJVMTLCjIIBxmSYTDK6DAqPFasoAni4J5akQgxnQ3IYFjMZnSPgagvBYuzIsljM9k1NLC4tguiAuJIEHWB/gdT8RwIwdQAzFSI+',
      qpy_version: 17,
      num_programs: 1,
    },
    items: [
      {
        item_type: 'circuit',
        circuit_arguments: { data: 'eJwDAAAAAAE=', shape: [0], dtype: 'f64' },
        shape: [],
        chunk_size: 'auto',
      },
    ],
    semantic_role: null,
    meas_level: 'classified',
    passthrough_data: null,
  },
  options: {
    init_qubits: true,
    rep_delay: null,
    scheduler_timing: false,
    stretch_values: false,
    experimental: {},
  },
};

const program = (p: Record<string, unknown>, items: unknown[], circuits: unknown) => ({
  schema_version: 'v2.0',
  quantum_program: { shots: 100, circuits, items, ...p },
  options: { experimental: { seed_simulator: 11 } },
});
const qasm = (...texts: string[]) => ({ data: texts });
const args = (values: number[], shape: number[]) =>
  f64Tensor(Float64Array.from(values), shape, true);
const item = (circuit_arguments: unknown, shape: number[] = []) => ({
  item_type: 'circuit',
  circuit_arguments,
  shape,
  chunk_size: 'auto',
});

/** What the client's QuantumProgramResultModel.model_validate_json checks, and the register bits. */
function validResult(result: J): Tensor[][] {
  expect(result.schema_version).toBe('v2.0');
  expect(Array.isArray(result.data)).toBe(true);
  expect(result.metadata.chunk_timing.length).toBeGreaterThan(0);
  for (const span of result.metadata.chunk_timing) {
    expect(span.start).toMatch(/Z$/);
    expect(Date.parse(span.stop)).toBeGreaterThanOrEqual(Date.parse(span.start));
    for (const part of span.parts) {
      expect([...part.permutation].sort()).toEqual(
        part.permutation.map((_: number, i: number) => i),
      );
      const [start, stop, step] = part.element_range;
      expect(Math.max(0, Math.ceil((stop - start) / step))).toBe(part.size);
    }
  }
  return result.data.map((d: J) => {
    expect(d.metadata).toEqual({ scheduler_timing: null, stretch_values: null });
    return Object.values(d.results).map((t) =>
      readTensor(t, 'result', { compressed: true, dtypes: ['bool'] }),
    );
  });
}

describe('tensors, as IBM encodes them', () => {
  it("decode the worked values of IBM's tensor.py, and encode them back", () => {
    const f = readTensor(
      { data: 'eJybNRMEdtrPAtMn7Y3B4LI9AKF8C3M=', shape: [3], dtype: 'f64' },
      't',
      { compressed: true },
    );
    expect([...float64s(f)]).toEqual([0.1, 0.2, 0.3]);
    expect(
      readTensor({ data: 'eJwDAAAAAAE=', shape: [0], dtype: 'f64' }, 't', { compressed: true })
        .bytes.length,
    ).toBe(0);
    const b = readTensor({ data: 'eJxTBQAAJgAm', shape: [2, 3], dtype: 'bool' }, 't', {
      compressed: true,
    });
    expect([...b.bytes]).toEqual([0x25]);
    expect([...bools(b)]).toEqual([1, 0, 1, 0, 0, 1]);
    // Uncompressed bytes are deterministic: the same text numpy gave.
    expect(f64Tensor(Float64Array.from([0.01, 0.02]), [2], false)).toEqual({
      data: 'exSuR+F6hD97FK5H4XqUPw==',
      shape: [2],
      dtype: 'f64',
    });
    const mine = readTensor(boolTensor(Uint8Array.from([1, 0, 1, 0, 0, 1]), [2, 3]), 't', {
      compressed: true,
    });
    expect([...mine.bytes]).toEqual([0x25]);
  });

  it('refuse a tensor whose bytes do not fit its shape, as the validators do', () => {
    expect(() =>
      readTensor({ data: 'eJybNRMEdtrPAtMn7Y3B4LI9AKF8C3M=', shape: [4], dtype: 'f64' }, 'x', {
        compressed: true,
      }),
    ).toThrow('do not fit shape [4] of f64');
    expect(() =>
      readTensor({ data: 'AAAA', shape: [1], dtype: 'f65' }, 'x', { compressed: false }),
    ).toThrow('dtype must be one of');
  });
});

describe('the executor program', () => {
  it("runs the spec's validated example: a Bell pair, 4 shots of (c0, c1) with c0 = c1", () => {
    const { result } = runProgram('executor', SPEC_EXAMPLE, LIMITS);
    const [[c]] = validResult(result) as [[Tensor]];
    expect(c.shape).toEqual([4, 2]);
    const bits = bools(c);
    for (let s = 0; s < 4; s++) expect(bits[2 * s]).toBe(bits[2 * s + 1]);
    expect((result as J).passthrough_data).toBeNull();
    expect((result as J).semantic_role).toBeNull();
  });

  it('runs both circuits of a QPY file Qiskit wrote, register by register, bit 0 first', () => {
    const p = program({}, [item(args([], [0])), item(args([], [0]), [3])], {
      b64_data: qpyFile('aria__two_circuits_qiskit_2_4_1.qpy'),
      qpy_version: 17,
      num_programs: 2,
    });
    const { result } = runProgram('executor', p, LIMITS);
    const r = result as J;
    validResult(r);
    expect(Object.keys(r.data[0].results)).toEqual(['c']);
    // qc2: x(0); h(1); cx(1, 2); measure_all() → `meas` (c is never written), shape (3, 100, 3).
    expect(Object.keys(r.data[1].results)).toEqual(['c', 'meas']);
    const meas = readTensor(r.data[1].results.meas, 'm', { compressed: true });
    expect(meas.shape).toEqual([3, 100, 3]);
    const bits = bools(meas);
    let ones = 0;
    for (let s = 0; s < 300; s++) {
      expect(bits[3 * s]).toBe(1); // bit 0: the X
      expect(bits[3 * s + 1]).toBe(bits[3 * s + 2]); // bits 1 and 2: the Bell pair
      ones += bits[3 * s + 1] as number;
    }
    expect(ones).toBeGreaterThan(100);
    expect(ones).toBeLessThan(200);
    expect(
      [...bools(readTensor(r.data[1].results.c, 'c', { compressed: true }))].every((b) => b === 0),
    ).toBe(true);
  });

  it('binds circuit_arguments row by row and broadcasts them over the item shape: P(1) = sin²(θ/2)', () => {
    const circuit =
      'OPENQASM 3.0; include "stdgates.inc"; input float[64] theta; qubit[1] q; bit[1] c; rx(theta) q[0]; c[0] = measure q[0];';
    const thetas = [0, Math.PI, Math.PI / 2];
    const p = program({ shots: 2000 }, [item(args(thetas, [3, 1]), [2, 3])], qasm(circuit));
    const { result, summary } = runProgram('executor', p, LIMITS);
    expect(summary.totalShots).toBe(2 * 3 * 2000);
    const [[c]] = validResult(result) as [[Tensor]];
    expect(c.shape).toEqual([2, 3, 2000, 1]);
    const bits = bools(c);
    for (let rep = 0; rep < 2; rep++)
      thetas.forEach((theta, k) => {
        const from = (rep * 3 + k) * 2000;
        const p1 = bits.slice(from, from + 2000).reduce((a, b) => a + b, 0) / 2000;
        const exact = Math.sin(theta / 2) ** 2;
        // 5 standard deviations of a binomial mean (0 for the exact ends).
        expect(Math.abs(p1 - exact)).toBeLessThanOrEqual(
          5 * Math.sqrt((exact * (1 - exact)) / 2000) + 1e-12,
        );
      });
  });

  it("names a Qiskit circuit's parameters, in its order, when the arguments do not fit", () => {
    const twoParams = {
      b64_data: qpyFile('aria__two_params_qiskit_2_4_1.qpy'),
      qpy_version: 17,
      num_programs: 1,
    };
    const ok = program({ shots: 500 }, [item(args([0.1, 0.2, 0.3, 0.4], [2, 2]))], twoParams);
    expect(checkProgram('executor', ok, LIMITS)).toMatchObject({ pubs: 1, totalShots: 1000 });
    // The circuit has no classical bits: it runs and returns no registers.
    expect((runProgram('executor', ok, LIMITS).result as J).data[0].results).toEqual({});
    expect(() =>
      checkProgram('executor', program({}, [item(args([1], [1]))], twoParams), LIMITS),
    ).toThrow("the last axis must hold the circuit's 2 parameter(s) (θ, φ)");
  });

  it('returns passthrough_data and semantic_role unchanged', () => {
    const passthrough = {
      post_processor: { version: 'v0.1', shots: 100, circuits_metadata: [{}] },
      tensor: { data: 'eJybNRMEdtrPAtMn7Y3B4LI9AKF8C3M=', shape: [3], dtype: 'f64' },
    };
    const p = program(
      { semantic_role: 'sampler_v2', passthrough_data: passthrough },
      [item(args([], [0]))],
      { b64_data: BELL_QPY.toString('base64'), qpy_version: 17, num_programs: 1 },
    );
    const r = runProgram('executor', p, LIMITS).result as J;
    expect(r.passthrough_data).toEqual(passthrough);
    expect(r.semantic_role).toBe('sampler_v2');
    expect(product(readTensor(r.data[0].results.c, 'c', { compressed: true }).shape)).toBe(200);
  });

  it('refuses what it cannot run with a message that names the field and what is allowed', () => {
    const base = (over: Record<string, unknown>, items?: unknown[]) =>
      program(over, items ?? [item(args([], [0]))], {
        b64_data: BELL_QPY.toString('base64'),
        qpy_version: 17,
        num_programs: 1,
      });
    const refuse = (p: unknown, message: string | RegExp) =>
      expect(() => checkProgram('executor', p, LIMITS)).toThrow(message);
    refuse({ ...SPEC_EXAMPLE, schema_version: 'v1.1' }, 'params.schema_version must be "v2.0"');
    refuse(base({ meas_level: 'kerneled' }), 'IQ readout data');
    refuse(base({ shots: 0 }), 'shots must be an integer from 1 to 100000');
    refuse(
      base({}, [
        {
          item_type: 'samplex',
          samplex: { ssv: 4, samplex_json: '{}' },
          samplex_arguments: {},
          shape: [],
        },
      ]),
      /samplex items .* are not supported yet; Berth runs "circuit" items/,
    );
    refuse(
      base({}, [item(args([1], [1]))]),
      "the last axis must hold the circuit's 0 parameter(s)",
    );
    refuse(
      base({}, [item(args([], [0])), item(args([], [0]))]),
      'exactly one circuit for every program item',
    );
    refuse(
      program({}, [item(args([], [0]))], {
        b64_data: BELL_QPY.toString('base64'),
        qpy_version: 16,
        num_programs: 1,
      }),
      'qpy_version says 16 but the QPY data is version 17',
    );
    refuse(
      base({}, [item(args([], [0])), { ...item(args([], [0])), chunk_size: 4 }]),
      "chunk_size must be 'auto' for every item or an integer for every item",
    );
    refuse(base({}, [item(args([], [3, 0]), [2])]), 'shapes (2) and (3) do not broadcast');
    refuse({ ...base({}), options: { scheduler_timing: true } }, 'options.scheduler_timing');
  });
});
