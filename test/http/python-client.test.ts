/**
 * Replays exactly what qiskit-ibm-runtime sends for Session, Batch, close(), cancel(), details(),
 * job submission and polling (runtime-api.md §6), headers included, and checks what the client
 * reads from each answer.
 */
import { describe, expect, it } from 'vitest';
import { BELL, TEST_CONFIG, samplerJob } from '../helpers/fixtures.js';
import { CLIENT_API_VERSION, clientResult, pythonClient } from '../helpers/python-client.js';
import { ADMIN_KEY, DEFAULT_CRN, testRuntime } from '../helpers/test-runtime.js';

type Body = Record<string, any>;

const CLIENT_APP =
  'qiskit-version-2/qiskit_ibm_runtime-0.41.0,qiskit-2.1.1*/qiskit_ibm_runtime~sampler.py';

describe('the qiskit-ibm-runtime client, replayed', () => {
  it('runs a Session with a sampler job, then a Batch that is cancelled', async () => {
    const { rt } = await testRuntime({ executor: 'simulator', realTime: true });

    // IAMTokenManager: form POST to {IAM_URL}/identity/token.
    const iam = await rt.app.inject({
      method: 'POST',
      url: '/identity/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        'user-agent': 'ibm-python-sdk-core-3.22.0',
      },
      payload: `grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=${encodeURIComponent(ADMIN_KEY)}&response_type=cloud_iam`,
    });
    expect(iam.statusCode).toBe(200);
    const token = iam.json().access_token as string;

    const common = {
      authorization: `Bearer ${token}`,
      'service-crn': DEFAULT_CRN,
      'x-qx-client-application': CLIENT_APP,
      'ibm-api-version': CLIENT_API_VERSION,
      'user-agent': 'python-requests/2.32.3',
      accept: 'application/json',
      'accept-encoding': 'gzip, deflate',
    };
    const jsonContent = { ...common, 'content-type': 'application/json' };
    const call = async (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      payload?: unknown,
    ) => {
      const res = await rt.app.inject({
        method,
        url,
        headers: jsonContent,
        ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
      });
      return {
        status: res.statusCode,
        body: res.body ? (JSON.parse(res.body) as Body) : null,
      };
    };

    // QiskitRuntimeService(): the backend list, then the backend's documents.
    const backends = await call('GET', '/api/v1/backends');
    expect(backends.status).toBe(200);
    const names = (backends.body?.devices as { name: string }[]).map((d) => d.name);
    expect(names).toContain('berth_manila');
    const conf = await call('GET', '/api/v1/backends/berth_manila/configuration');
    expect(conf.body).toMatchObject({
      backend_name: 'berth_manila',
      n_qubits: 5,
      simulator: false,
    });
    expect(conf.body?.coupling_map).toEqual(expect.arrayContaining([[0, 1]]));
    const props = await call('GET', '/api/v1/backends/berth_manila/properties');
    expect(props.body).toMatchObject({ backend_name: 'berth_manila' });
    expect(typeof props.body?.last_update_date).toBe('string');

    // Session(backend) → POST /sessions; the client reads `id`.
    const created = await call('POST', '/api/v1/sessions', {
      mode: 'dedicated',
      backend: 'berth_manila',
      instance: DEFAULT_CRN,
      max_ttl: 600,
    });
    expect(created.status).toBe(200);
    const sessionId = created.body?.id as string;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);

    // SamplerV2.run → usage, backend status, then the job.
    const usage = await call('GET', '/api/v1/instances/usage');
    expect(usage.body).toMatchObject({ instance_id: DEFAULT_CRN, usage_limit_reached: false });
    const status = await call('GET', '/api/v1/backends/berth_manila/status');
    expect(status.body).toMatchObject({ state: true, status: 'active' });
    const submitted = await call('POST', '/api/v1/jobs', {
      program_id: 'sampler',
      backend: 'berth_manila',
      params: {
        pubs: [[BELL, null, 256]],
        version: 2,
        // What the client's _get_program_inputs puts in every primitive's params.
        support_qiskit: true,
        options: { default_shots: 256 },
      },
      session_id: sessionId,
      start_session: false,
    });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toMatchObject({ backend: 'berth_manila', session_id: sessionId });
    const jobId = submitted.body?.id as string;

    // job.result(): poll GET /jobs/{id}?exclude_params=true until final, then /results.
    let job: Body | null = null;
    for (let i = 0; i < 100; i++) {
      job = (await call('GET', `/api/v1/jobs/${jobId}?exclude_params=true`)).body;
      if (!['Queued', 'Running'].includes(job?.state?.status)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(job?.state?.status).toBe('Completed');
    expect(job?.status).toBe('Completed');
    expect(job?.params).toBeUndefined();
    expect(job).toMatchObject({
      id: jobId,
      backend: 'berth_manila',
      session_id: sessionId,
      program: { id: 'sampler' },
    });
    // ProgramJob.results(): a fresh adapter, so no Accept header; the client parses the text.
    const results = await pythonClient(rt.app, token, DEFAULT_CRN).jobResults(jobId);
    expect(results.statusCode).toBe(200);
    expect(results.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(JSON.parse(results.body).__type__).toBe('PrimitiveResult');

    // session.details() / status().
    const details = await call('GET', `/api/v1/sessions/${sessionId}`);
    expect(details.body).toMatchObject({
      id: sessionId,
      state: 'active',
      mode: 'dedicated',
      backend_name: 'berth_manila',
      accepting_jobs: true,
    });
    expect(details.body?.elapsed_time).toBeGreaterThan(0);

    // session.close() → PATCH accepting_jobs=false; nothing left, so it closes.
    expect(
      (await call('PATCH', `/api/v1/sessions/${sessionId}`, { accepting_jobs: false })).status,
    ).toBe(204);
    expect((await call('GET', `/api/v1/sessions/${sessionId}`)).body).toMatchObject({
      state: 'closed',
      state_reason: 'closed_by_user',
    });

    // Batch(backend) then batch.cancel() → DELETE /sessions/{id}/close with a JSON content type and no body.
    const batch = await call('POST', '/api/v1/sessions', {
      mode: 'batch',
      backend: 'berth_manila',
      instance: DEFAULT_CRN,
    });
    expect(batch.body?.mode).toBe('batch');
    const cancelled = await call('DELETE', `/api/v1/sessions/${batch.body?.id}/close`);
    expect(cancelled.status).toBe(204);
    expect((await call('GET', `/api/v1/sessions/${batch.body?.id}`)).body?.state).toBe('closed');
  });

  it("reads a failed job as RuntimeJobFailureError with the worker's reason, verbatim", async () => {
    const { rt, api, tick, finish } = await testRuntime({ file: TEST_CONFIG });
    const client = pythonClient(rt.app, ADMIN_KEY, DEFAULT_CRN);
    const traceback =
      'Traceback (most recent call last):\n  File "device.py", line 12, in run\nRuntimeError: the cryostat warmed up';
    const id = (await api('POST', '/api/v1/jobs', samplerJob({ backend: 'solo' }))).body.id;
    await tick();
    await finish(id, { fail: `Calibration lost.\n${traceback}` });

    const read = await clientResult(client, id);
    expect(read.status).toBe('ERROR');
    // job.error_message(): the reason (the client prefers it to the text it fetched).
    expect(read.errorMessage).toBe(`Job ${id} has failed:\nCalibration lost.\n${traceback}`);
    expect(read.outcome).toEqual({
      kind: 'RuntimeJobFailureError',
      message: `Unable to retrieve job result. Calibration lost.\n${traceback}`,
    });
    // The text the client fetched is the reason itself.
    expect((await client.jobResults(id)).body).toBe(`Calibration lost.\n${traceback}`);
  });

  it('reads a job that ran past max_execution_time as RuntimeJobMaxTimeoutError (reason code 1305)', async () => {
    const { rt, tick, advance } = await testRuntime({ file: TEST_CONFIG });
    const client = pythonClient(rt.app, ADMIN_KEY, DEFAULT_CRN);
    // max_execution_time=2 travels as `cost` (api/rest/runtime.py, program_run).
    const submitted = await client.programRun({
      program_id: 'sampler',
      backend: 'solo',
      params: { pubs: [[BELL, null, 64]], version: 2, support_qiskit: true },
      cost: 2,
    });
    expect(submitted.statusCode).toBe(200);
    const id = submitted.json().id as string;
    await tick();
    await advance(2.5);
    const job = (await client.jobGet(id)).json();
    expect(job.status).toBe('Cancelled - Ran too long');
    expect(job.state).toMatchObject({ status: 'Cancelled', reason_code: 1305 });

    const read = await clientResult(client, id);
    expect(read.status).toBe('ERROR');
    expect(read.errorMessage).toMatch(
      new RegExp(`^Job ${id} ran longer than maximum execution time\\. Job was cancelled:\\n`),
    );
    expect(read.outcome).toEqual({
      kind: 'RuntimeJobMaxTimeoutError',
      message: 'Error code 1305; Job ran longer than its maximum execution time',
    });
  });

  it('reads a cancelled job as RuntimeInvalidStateError without fetching a result', async () => {
    const { rt, api } = await testRuntime({ file: TEST_CONFIG });
    const client = pythonClient(rt.app, ADMIN_KEY, DEFAULT_CRN);
    const id = (await api('POST', '/api/v1/jobs', samplerJob({ backend: 'solo' }))).body.id;
    expect((await api('POST', `/api/v1/jobs/${id}/cancel`)).status).toBe(204);
    const read = await clientResult(client, id);
    expect(read).toEqual({
      status: 'CANCELLED',
      errorMessage: null,
      outcome: {
        kind: 'RuntimeInvalidStateError',
        message: `Unable to retrieve result for job ${id}. Job was cancelled.`,
      },
    });
    // QRMI and curl may still ask: the reason, as text, never a 4xx.
    const text = await client.jobResults(id);
    expect(text.statusCode).toBe(200);
    expect(text.headers['x-berth-job-status']).toBe('Cancelled');
    expect(text.body).toBe('Cancelled by user');
  });
});
