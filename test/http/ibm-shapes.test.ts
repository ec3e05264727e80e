/**
 * Berth's answers held against the shapes IBM's generated clients decode. IBM's QRMI (Rust)
 * reads the runtime through models generated from IBM's OpenAPI document, whose serde rejects an
 * answer that does not fit: an integer where a string is declared, a missing required field, a
 * fraction where an integer is declared, an object where a string is declared. The schemas below
 * state those types strictly (no coercion): integer TTLs and queue lengths, string enums, string
 * revisions, whole-second metrics, `usage.seconds` on every job, the result as a string.
 */
import { Ajv, type AnySchema } from 'ajv';
import { describe, expect, it } from 'vitest';
import { BELL, TEST_CONFIG, samplerJob } from '../helpers/fixtures.js';
import { qrmiClient, qrmiToken } from '../helpers/qrmi.js';
import { ADMIN_KEY, DEFAULT_CRN, testRuntime } from '../helpers/test-runtime.js';

const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: false });
const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const num = { type: 'number' } as const;
const bool = { type: 'boolean' } as const;
const nullable = (s: object) => ({ anyOf: [s, { type: 'null' }] });
const enumOf = (...values: string[]) => ({ type: 'string', enum: values });
const object = (properties: Record<string, unknown>, required = Object.keys(properties)) => ({
  type: 'object',
  properties,
  required,
});

const SESSION = object({
  id: str,
  backend_name: nullable(str),
  created_at: nullable(str),
  started_at: nullable(str),
  closed_at: nullable(str),
  interactive_ttl: int,
  max_ttl: int,
  active_ttl: int,
  state: enumOf('open', 'active', 'inactive', 'closed'),
  state_reason: nullable(str),
  accepting_jobs: bool,
  mode: enumOf('dedicated', 'batch'),
  timestamps: { type: 'array', items: object({ status: str, timestamp: str }) },
  user_id: str,
  elapsed_time: num,
});
const USAGE = object({ qpu_charge_time_seconds: num, seconds: num, status: str });
const JOB = object({
  id: str,
  backend: str,
  program: object({ id: str }),
  created: str,
  state: object({ status: enumOf('Queued', 'Running', 'Completed', 'Failed', 'Cancelled') }, [
    'status',
  ]),
  status: str,
  session_id: nullable(str),
  user_id: str,
  tags: { type: 'array', items: str },
  cost: int,
  usage: USAGE,
  estimated_running_time_seconds: num,
});
const SCHEMAS: Record<string, AnySchema> = {
  session: SESSION,
  created_job: object({ id: str, backend: str }),
  job: JOB,
  job_list: object({ jobs: { type: 'array', items: JOB }, count: int, offset: int, limit: int }),
  metrics: object({
    timestamps: object({ created: nullable(str), running: nullable(str), finished: nullable(str) }),
    usage: object({
      quantum_seconds: int,
      seconds: int,
      qpu_charge_time_seconds: num,
      status: enumOf('pending', 'complete'),
    }),
    position_in_queue: nullable(int),
    estimated_start_time: nullable(str),
  }),
  devices: object({
    devices: {
      type: 'array',
      items: object({
        name: str,
        status: object({ name: enumOf('online', 'paused', 'offline'), reason: nullable(str) }),
        is_simulator: bool,
        qubits: int,
        queue_length: int,
        processor_type: object({ family: str, revision: str }),
        clops: object({ type: str, value: num }),
        performance_metrics: { type: 'object' },
      }),
    },
  }),
  status: object({
    state: bool,
    status: str,
    message: str,
    length_queue: int,
    backend_version: str,
  }),
  configuration: object({
    backend_name: str,
    backend_version: str,
    n_qubits: int,
    basis_gates: { type: 'array', items: str },
    coupling_map: { type: 'array', items: { type: 'array', items: int } },
    max_shots: int,
    max_experiments: int,
    simulator: bool,
    processor_type: object({ family: str, revision: str }, ['family', 'revision']),
  }),
  usage: object({
    instance_id: str,
    plan_id: str,
    usage_period: object({ start_time: str, end_time: str }),
    usage_consumed_seconds: num,
    usage_limit_seconds: nullable(num),
    usage_limit_reached: bool,
  }),
  versions: object({ versions: { type: 'array', items: str } }),
  // get_job_results_jid → Result<String>: the body must be a JSON string.
  result_string: str,
  error: object({
    trace: str,
    errors: {
      type: 'array',
      minItems: 1,
      items: object({ code: str, message: str, more_info: str }),
    },
  }),
};

function expectShape(name: keyof typeof SCHEMAS, value: unknown): void {
  const validate = ajv.compile(SCHEMAS[name] as AnySchema);
  const ok = validate(value);
  expect(ok ? [] : validate.errors, `${name}: ${JSON.stringify(value).slice(0, 300)}`).toEqual([]);
}

describe("responses fit the shapes IBM's generated clients decode", () => {
  it('sessions, jobs, metrics, usage, versions, backends and errors', async () => {
    const { rt, tick, advance, finish } = await testRuntime({
      file: {
        ...TEST_CONFIG,
        backends: [...TEST_CONFIG.backends, { name: 'mirror', reference: 'manila' }],
      },
    });
    // Every call as QRMI makes it: its token from /identity/token, its headers.
    const qrmi = qrmiClient(rt.app, await qrmiToken(rt.app, ADMIN_KEY), DEFAULT_CRN);
    const api = (method: string, url: string, body?: unknown, headers?: Record<string, string>) =>
      headers
        ? rt.app
            .inject({ method: method as 'GET', url, headers })
            .then((r) => ({ body: r.json() as unknown as any }))
        : qrmi(method, url, body);
    const session = await api('POST', '/api/v1/sessions', { mode: 'dedicated', backend: 'solo' });
    expectShape('session', session.body);
    const created = await api('POST', '/api/v1/jobs', samplerJob({ session_id: session.body.id }));
    expectShape('created_job', created.body);
    const id = created.body.id as string;
    expectShape('job', (await api('GET', `/api/v1/jobs/${id}`)).body);
    expectShape('metrics', (await api('GET', `/api/v1/jobs/${id}/metrics`)).body);

    // Run it for 1.5 s: the job reports the fraction, the metrics whole seconds rounded up.
    await tick();
    await advance(1.5);
    await finish(id);
    const job = (await api('GET', `/api/v1/jobs/${id}`)).body;
    expectShape('job', job);
    expect(job.usage).toEqual({ qpu_charge_time_seconds: 1.5, seconds: 2, status: 'complete' });
    const metrics = (await api('GET', `/api/v1/jobs/${id}/metrics`)).body;
    expectShape('metrics', metrics);
    expect(metrics.usage).toMatchObject({ quantum_seconds: 2, seconds: 2 });
    expectShape('job_list', (await api('GET', '/api/v1/jobs')).body);
    expectShape('session', (await api('GET', `/api/v1/sessions/${session.body.id}`)).body);

    const devices = (await api('GET', '/api/v1/backends')).body;
    expectShape('devices', devices);
    // A mirrored IBM device keeps IBM's own revision string.
    expect(
      devices.devices.find((d: { name: string }) => d.name === 'mirror').processor_type,
    ).toEqual({ family: 'Falcon', revision: '5.11' });
    for (const name of ['solo', 'mirror']) {
      expectShape('status', (await api('GET', `/api/v1/backends/${name}/status`)).body);
      expectShape(
        'configuration',
        (await api('GET', `/api/v1/backends/${name}/configuration`)).body,
      );
    }
    expectShape('usage', (await api('GET', '/api/v1/instances/usage')).body);
    expectShape('versions', (await api('GET', '/api/v1/versions')).body);
    for (const res of [
      await api('GET', '/api/v1/jobs/nope'),
      await api('POST', '/api/v1/sessions', { mode: 'x' }),
      await api('GET', '/api/v1/backends', undefined, { authorization: 'Bearer nope' }),
    ])
      expectShape('error', res.body);
  });

  it('answers a result as text, or as a JSON string to a request that accepts only JSON', async () => {
    const { api, tick, rt } = await testRuntime({ file: TEST_CONFIG, executor: 'simulator' });
    const id = (
      await api('POST', '/api/v1/jobs', {
        program_id: 'sampler',
        backend: 'solo',
        params: { pubs: [[BELL, null, 10]], version: 2 },
      })
    ).body.id as string;
    await tick();
    await rt.worker.settled(id);
    await tick();
    const get = (accept?: string) =>
      api('GET', `/api/v1/jobs/${id}/results`, undefined, accept ? { accept } : {});
    // The Python client sends no Accept here (a fresh ProgramJob adapter); the generated
    // clients' documentation says "text/plain, application/json"; curl sends */*.
    const text = (await get()).text;
    expect(JSON.parse(text).__type__).toBe('PrimitiveResult');
    for (const accept of ['text/plain, application/json', '*/*', undefined]) {
      const res = await get(accept);
      expect(res.status).toBe(200);
      expect(res.headers['content-type'], String(accept)).toBe('text/plain; charset=utf-8');
      expect(res.text).toBe(text);
    }
    // QRMI's get_job_results_jid sends exactly `Accept: application/json` and decodes a JSON
    // answer as a String (serde): a JSON string holding the same text.
    for (const accept of ['application/json', 'application/json, text/plain;q=0']) {
      const json = await get(accept);
      expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
      expectShape('result_string', json.body);
      expect(json.body).toBe(text);
    }
  });
});
