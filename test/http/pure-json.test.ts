/**
 * `"support_qiskit": false`: IBM's pure-JSON result shapes, held against IBM's published JSON
 * schemas (test/fixtures/ibm/schemas), with the params themselves valid against IBM's input
 * schemas, over HTTP; values checked against closed form.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { TEST_CONFIG } from '../helpers/fixtures.js';
import { testRuntime } from '../helpers/test-runtime.js';

const SCHEMAS = join(import.meta.dirname, '../fixtures/ibm/schemas');
const ajv = new Ajv({ strict: false, allErrors: true });
function schema(name: string) {
  const {
    $schema: _draft,
    id: _id,
    ...rest
  } = JSON.parse(readFileSync(join(SCHEMAS, name), 'utf8')) as Record<string, unknown>;
  return ajv.compile(rest);
}
function expectValid(name: string, value: unknown): void {
  const validate = schema(name);
  expect(validate(value) ? [] : validate.errors, name).toEqual([]);
}

const BELL =
  'OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; bit[2] c; h q[0]; cx q[0], q[1]; c = measure q;';
const BELL_STATE = 'OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; h q[0]; cx q[0], q[1];';

async function run(program: 'sampler' | 'estimator', params: unknown): Promise<any> {
  const t = await testRuntime({ file: TEST_CONFIG, executor: 'simulator' });
  const { submitted, result } = await t.runJob({ program_id: program, backend: 'solo', params });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
  return result;
}

describe('support_qiskit: false', () => {
  it("answers the sampler with hexadecimal samples per register, as IBM's schema has it", async () => {
    const params = { pubs: [[BELL, null, 200]], shots: 50, support_qiskit: false, version: 2 };
    expectValid('sampler_v2_schema.json', params);
    const result = await run('sampler', params);
    expectValid('sampler_result_v2_schema.json', result);
    const c = result.results[0].data.c;
    expect(c.num_bits).toBe(2);
    expect(c.samples).toHaveLength(200);
    expect(new Set(c.samples)).toEqual(new Set(['0x0', '0x3']));
    // Top-level shots is the default for a pub without its own.
    const byDefault = await run('sampler', { pubs: [[BELL]], shots: 50, support_qiskit: false });
    expect(byDefault.results[0].data.c.samples).toHaveLength(50);
  });

  it('answers the estimator with plain evs and stds, and honours top-level precision and resilience_level', async () => {
    const params = {
      pubs: [[BELL_STATE, ['ZZ', 'XX', 'YY', 'IZ']]],
      precision: 0,
      resilience_level: 1,
      support_qiskit: false,
      version: 2,
    };
    expectValid('estimator_v2_schema.json', params);
    const result = await run('estimator', params);
    expectValid('estimator_result_v2_schema.json', result);
    const { evs, stds } = result.results[0].data;
    [1, 1, -1, 0].forEach((v, i) => expect(evs[i]).toBeCloseTo(v, 12));
    expect(stds).toEqual([0, 0, 0, 0]);
    // A positive top-level precision samples: the standard errors are no longer zero.
    const sampled = await run('estimator', { ...params, precision: 0.05 });
    expect(sampled.results[0].data.stds[3]).toBeGreaterThan(0);
  });

  it('refuses a support_qiskit that is not a boolean', async () => {
    const t = await testRuntime({ file: TEST_CONFIG });
    const res = await t.api('POST', '/api/v1/jobs', {
      program_id: 'sampler',
      backend: 'solo',
      params: { pubs: [[BELL]], support_qiskit: 'no' },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toContain('support_qiskit must be true or false');
  });
});
