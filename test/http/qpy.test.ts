/**
 * QPY circuits over HTTP, exactly as qiskit-ibm-runtime sends them: real job payloads of the
 * client (test/fixtures/qpy/wire) and real Qiskit QPY bytes in the RuntimeEncoder wrapper, with
 * ndarray parameter values; results checked against closed form.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeNdarray } from '../../src/quantum/encoding/npy.js';
import { TEST_CONFIG } from '../helpers/fixtures.js';
import { testRuntime } from '../helpers/test-runtime.js';

const QPY = join(import.meta.dirname, '../fixtures/qpy');
const wire = (name: string): any => JSON.parse(readFileSync(join(QPY, 'wire', name), 'utf8'));
const wrap = (file: string) => ({
  __type__: 'QuantumCircuit',
  __value__: deflateSync(readFileSync(join(QPY, file))).toString('base64'),
});

async function run(program: 'sampler' | 'estimator', params: unknown) {
  const t = await testRuntime({ file: TEST_CONFIG, executor: 'simulator' });
  const { submitted, job, result } = await t.runJob({
    program_id: program,
    backend: 'solo',
    params,
  });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
  expect(job.status, JSON.stringify(job.state)).toBe('Completed');
  return result.__value__.pub_results.map((p: any) => p.__value__.metadata);
}

describe('QPY circuits over HTTP', () => {
  it('runs a Sampler job on a version-17 Bell circuit: only 00 and 11', async () => {
    const [meta] = await run('sampler', {
      version: 2,
      pubs: [[wrap('aria__bell_qiskit_2_4_1.qpy'), null, 1000]],
      support_qiskit: true,
    });
    const counts = meta.counts.c as Record<string, number>;
    expect(Object.keys(counts).sort()).toEqual(['00', '11']);
    expect((counts['00'] ?? 0) + (counts['11'] ?? 0)).toBe(1000);
  });

  it("runs the client's own Estimator payloads (version 14 circuits, observables, ndarray values, its options)", async () => {
    // CZ on |00⟩ stays |00⟩: ⟨YZ⟩·2 + ⟨XI⟩ = 0 and ⟨ZZ⟩·3 + ⟨XY⟩·4 = 3.
    const [cz] = await run('estimator', {
      version: 2,
      pubs: [wire('schemas__estimator_pub_cz.json')],
    });
    expect(cz.evs).toEqual([0, 3]);
    // Two pubs with the client's full options object (resilience, twirling, dynamical
    // decoupling, default_precision 1/64): each observable is +1 on the state it measures.
    const [a, b] = await run('estimator', wire('schemas__estimator_params_two_pubs.json'));
    expect(a.evs).toBe(1);
    expect(b.evs).toEqual([1]);
  });

  it('binds ndarray values in circuit.parameters order: ParameterVector elements by index', async () => {
    // rx(2·γ[0] + γ[1]) on |0⟩: ⟨Z⟩ = cos(2·γ[0] + γ[1]), exactly at precision 0.
    const values = [
      [0.1, 0.2],
      [0.5, -0.3],
      [1.2, 0.4],
    ];
    const [meta] = await run('estimator', {
      version: 2,
      pubs: [
        [
          wrap('aria__rx_paramvector_expr_qiskit_2_4_1.qpy'),
          'Z',
          encodeNdarray(Float64Array.from(values.flat()), '<f8', [3, 2]),
          0,
        ],
      ],
    });
    values.forEach(([g0 = 0, g1 = 0], k) =>
      expect(meta.evs[k]).toBeCloseTo(Math.cos(2 * g0 + g1), 12),
    );
  });

  it('runs Initialize and a library circuit (QFT) of version-10 bytes: QFT·QFT|3⟩ = |5⟩', async () => {
    // initialize(QFT|3⟩ as amplitudes e^{−2πi·5j/8}/√8), then QFT(3), then measure.
    const [meta] = await run('sampler', {
      version: 2,
      pubs: [[wrap('qiskit_qpycompat__qft_circuit_qiskit_1_0_0dev_v10.qpy'), null, 300]],
    });
    expect(meta.counts.c).toEqual({ '101': 300 });
  });

  it('answers 400 at submission for QPY it cannot run, and takes the symengine-encoded v10 payload', async () => {
    const t = await testRuntime({ file: TEST_CONFIG });
    // Version 10 with symengine expressions (3.14159·theta, …) is read now: the job is taken.
    const old = await t.api('POST', '/api/v1/jobs', {
      program_id: 'estimator',
      backend: 'solo',
      params: {
        pubs: [
          [wrap('qiskit_qpycompat__parameterized_qiskit_1_0_0dev_v10.qpy'), ['Z'], [0.7, 1.3]],
        ],
      },
    });
    expect(old.status, JSON.stringify(old.body)).toBe(200);
    // Two circuits in one pub's payload: refused, saying so.
    const res = await t.api('POST', '/api/v1/jobs', {
      program_id: 'sampler',
      backend: 'solo',
      params: {
        pubs: [[wrap('qiskit_qpycompat__open_controlled_gates_qiskit_1_0_0dev_v10.qpy'), null, 10]],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({
      code: 'invalid_params',
      message: expect.stringMatching(/holds 2 circuits, not one/),
    });
    const bad = await t.api('POST', '/api/v1/jobs', {
      program_id: 'sampler',
      backend: 'solo',
      params: { pubs: [[{ __type__: 'QuantumCircuit', __value__: 'AAAA' }]] },
    });
    expect(bad.status).toBe(400);
    expect((await t.api('GET', '/api/v1/jobs')).body.count).toBe(1);
  });
});
