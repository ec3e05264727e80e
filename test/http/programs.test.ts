/**
 * The newer programs through the API, as the clients submit them: `executor` (the Python
 * client's Executor, and its executor-based Sampler) and the noise learner (`noise-learner`
 * from the Python client, `noiselearner` from QRMI). Params are the models dumped as the client
 * dumps them (`model_dump(mode="json")`: every field present).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { pythonClient } from '../helpers/python-client.js';
import { decodeString, qrmiClient, qrmiToken } from '../helpers/qrmi.js';
import { ADMIN_KEY, DEFAULT_CRN, testRuntime } from '../helpers/test-runtime.js';
import { bools, readTensor } from '../../src/quantum/primitives/tensor.js';

const ROOT = join(import.meta.dirname, '../..');
const BELL_QPY = deflateSync(readFileSync(join(ROOT, 'examples/bell.qpy'))).toString('base64');

/** What Executor.run(program) sends for one Bell circuit item, dumped in full. */
export function executorParams(shots: number, passthrough: unknown = null) {
  return {
    schema_version: 'v2.0',
    quantum_program: {
      shots,
      circuits: { b64_data: BELL_QPY, qpy_version: 17, num_programs: 1 },
      items: [
        {
          item_type: 'circuit',
          circuit_arguments: { data: 'eJwDAAAAAAE=', shape: [0], dtype: 'f64' },
          shape: [],
          chunk_size: 'auto',
        },
      ],
      semantic_role: passthrough ? 'sampler_v2' : null,
      meas_level: 'classified',
      passthrough_data: passthrough,
    },
    options: {
      init_qubits: true,
      rep_delay: null,
      scheduler_timing: false,
      stretch_values: false,
      experimental: {},
    },
  };
}

describe('the executor program through the API', () => {
  it('runs a job the Python client submits, and both clients read the same result text', async () => {
    const { rt, tick } = await testRuntime({ executor: 'simulator' });
    const client = pythonClient(rt.app, ADMIN_KEY, DEFAULT_CRN);
    const passthrough = {
      post_processor: { version: 'v0.1', twirling: false, meas_type: 'classified', shots: 300 },
    };
    const submitted = await client.programRun({
      program_id: 'executor',
      backend: 'berth_sim',
      params: executorParams(300, passthrough),
    });
    expect(submitted.statusCode, submitted.body).toBe(200);
    const id = submitted.json().id as string;
    await tick();
    await rt.worker.settled(id);
    await tick();
    expect((await client.jobGet(id)).json().state.status).toBe('Completed');

    // The Python client: the text, which it hands to QuantumProgramResultModel.
    const text = (await client.jobResults(id)).body;
    const result = JSON.parse(text);
    expect(result.schema_version).toBe('v2.0');
    expect(result.semantic_role).toBe('sampler_v2');
    expect(result.passthrough_data).toEqual(passthrough);
    const c = readTensor(result.data[0].results.c, 'c', { compressed: true, dtypes: ['bool'] });
    expect(c.shape).toEqual([300, 2]);
    const bits = bools(c);
    for (let s = 0; s < 300; s++) expect(bits[2 * s]).toBe(bits[2 * s + 1]);

    // QRMI: Accept application/json, decoded as a String: the same text.
    const qrmi = qrmiClient(rt.app, await qrmiToken(rt.app, ADMIN_KEY), DEFAULT_CRN);
    expect(decodeString(await qrmi('GET', `/api/v1/jobs/${id}/results`))).toBe(text);
  });

  it('answers a program it cannot run with a 400 at submission, and nothing is queued', async () => {
    const { api } = await testRuntime();
    const params = executorParams(10);
    params.quantum_program.items[0] = {
      item_type: 'samplex',
      samplex: { ssv: 4, samplex_json: '{"attrs": {"ssv": "4"}}' },
      samplex_arguments: {},
      shape: [8],
      chunk_size: 'auto',
    } as never;
    const res = await api('POST', '/api/v1/jobs', {
      program_id: 'executor',
      backend: 'berth_sim',
      params,
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].code).toBe('invalid_params');
    expect(res.body.errors[0].message).toMatch(/samplex items .* not supported yet/);
    expect((await api('GET', '/api/v1/jobs')).body.count).toBe(0);
  });
});

describe('the noise learner through the API', () => {
  const FIXTURES = join(ROOT, 'test/fixtures/ibm/noise_learner_v2');
  const params = JSON.parse(readFileSync(join(FIXTURES, 'params_multiple_circuits.json'), 'utf8'));
  const file = {
    instances: [{ id: DEFAULT_CRN, name: 'default' }],
    backends: [{ name: 'device', reference: 'manila', noise: 'calibrated', isa: false, lanes: 2 }],
  };

  it("runs the Python client's noise-learner and QRMI's noiselearner alike", async () => {
    const { rt, tick } = await testRuntime({ executor: 'simulator', file });
    const client = pythonClient(rt.app, ADMIN_KEY, DEFAULT_CRN);
    const qrmi = qrmiClient(rt.app, await qrmiToken(rt.app, ADMIN_KEY), DEFAULT_CRN);
    const python = await client.programRun({
      program_id: 'noise-learner',
      backend: 'device',
      params,
    });
    // QRMI: NoiseLearnerInput always carries version 2.
    const rust = await qrmi('POST', '/api/v1/jobs', {
      program_id: 'noiselearner',
      backend: 'device',
      log_level: 'debug',
      params: { ...params, version: 2 },
      private: false,
    });
    expect(python.statusCode, python.body).toBe(200);
    expect(rust.status, rust.text).toBe(200);
    const ids = [python.json().id as string, rust.body.id as string];
    await tick();
    for (const id of ids) await rt.worker.settled(id);
    await tick();
    const texts: string[] = [];
    for (const id of ids) {
      const job = (await client.jobGet(id)).json();
      expect(job.state.status, JSON.stringify(job.state)).toBe('Completed');
      texts.push((await client.jobResults(id)).body);
      expect(decodeString(await qrmi('GET', `/api/v1/jobs/${id}/results`))).toBe(texts.at(-1));
    }
    expect((await client.jobGet(ids[1] as string)).json().program).toEqual({ id: 'noiselearner' });
    for (const text of texts) {
      const result = JSON.parse(text);
      expect(text).not.toContain('schema_version');
      expect(result.metadata.backend).toBe('device');
      expect(result.data.map((d: any) => d.__value__.qubits)).toEqual([
        [0, 1],
        [0, 1, 2],
      ]);
    }
  });

  it('refuses params the models forbid, at submission', async () => {
    const { api } = await testRuntime({ file });
    const res = await api('POST', '/api/v1/jobs', {
      program_id: 'noise-learner',
      backend: 'device',
      params: { ...params, options: { twirling_strategy: 'everything' } },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(/twirling_strategy must be one of active/);
  });
});
