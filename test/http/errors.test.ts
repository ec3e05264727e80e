import { describe, expect, it } from 'vitest';
import { TEST_CONFIG, samplerJob } from '../helpers/fixtures.js';
import { ADMIN_KEY, testRuntime } from '../helpers/test-runtime.js';

const ibm = (code: string, message: string | RegExp) => ({
  trace: expect.any(String),
  errors: [
    {
      code,
      message: typeof message === 'string' ? message : expect.stringMatching(message),
      more_info: `/errors/${code}`,
    },
  ],
});

describe('bad input answers a clear 4xx in the IBM shape and changes nothing', () => {
  it('rejects malformed JSON', async () => {
    const { rt } = await testRuntime({ file: TEST_CONFIG });
    const res = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      payload: '{"mode": "dedicated",',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(ibm('invalid_json', /^The request body is not valid JSON/));
    expect(res.json().trace).toBe(res.headers['x-request-id']);
    expect(
      (
        await rt.store.listSessions(
          { instanceIds: rt.config.instances.map((i) => i.id) },
          { limit: 10, offset: 0 },
        )
      ).count,
    ).toBe(0);
  });

  it('rejects wrong types, naming the field, without coercing', async () => {
    const { api } = await testRuntime({ file: TEST_CONFIG });
    expect(
      (await api('POST', '/api/v1/sessions', { backend: 'solo', max_ttl: '600' })).body,
    ).toEqual(ibm('invalid_request', 'body/max_ttl must be integer'));
    expect(
      (await api('POST', '/api/v1/sessions', { backend: 'solo', mode: 'exclusive' })).body,
    ).toEqual(ibm('invalid_request', 'body/mode must be one of: dedicated, batch'));
    expect((await api('GET', '/api/v1/sessions?mode=x')).body).toEqual(
      ibm('invalid_request', 'querystring/mode must be one of: dedicated, batch'),
    );
    expect((await api('POST', '/api/v1/sessions', [1, 2])).status).toBe(400);
    const s = (await api('POST', '/api/v1/sessions', { backend: 'solo' })).body.id;
    expect((await api('PATCH', `/api/v1/sessions/${s}`, { accepting_jobs: 'false' })).body).toEqual(
      ibm('invalid_request', 'body/accepting_jobs must be boolean'),
    );
    expect((await api('PATCH', `/api/v1/sessions/${s}`, {})).body).toEqual(
      ibm('invalid_request', "body must have required property 'accepting_jobs'"),
    );
    expect((await api('GET', `/api/v1/sessions/${s}`)).body.accepting_jobs).toBe(true);
    expect(
      (
        await api('POST', '/api/v1/jobs', {
          ...samplerJob({ backend: 'solo' }),
          tags: Array(9).fill('t'),
        })
      ).body,
    ).toEqual(ibm('invalid_request', 'body/tags must NOT have more than 8 items'));
    expect(
      (await api('POST', '/api/v1/jobs', { ...samplerJob({ backend: 'solo' }), cost: 10801 }))
        .status,
    ).toBe(400);
    expect((await api('GET', '/api/v1/jobs?limit=0')).body).toEqual(
      ibm('invalid_request', 'querystring/limit must be >= 1'),
    );
    expect((await api('GET', '/api/v1/jobs')).body.count).toBe(0);
  });

  it('answers 404 for unknown ids and routes', async () => {
    const { api } = await testRuntime({ file: TEST_CONFIG });
    expect((await api('GET', '/api/v1/sessions/nope')).body).toEqual(
      ibm('session_not_found', 'Session nope not found'),
    );
    expect((await api('GET', '/api/v1/jobs/nope')).body).toEqual(
      ibm('job_not_found', 'Job nope not found'),
    );
    expect((await api('GET', '/api/v1/backends/nope/status')).body).toEqual(
      ibm('backend_not_found', 'Backend nope does not exist; the backends are: solo, wide'),
    );
    const res = await api('GET', '/api/v1/nothing?secret=1');
    expect(res.status).toBe(404);
    expect(res.body).toEqual(ibm('not_found', 'No such endpoint: GET /api/v1/nothing'));
  });

  it('rejects an oversized body with 413', async () => {
    const { api } = await testRuntime({ file: TEST_CONFIG, overrides: { bodyLimitBytes: 4096 } });
    const res = await api('POST', '/api/v1/jobs', {
      ...samplerJob({ backend: 'solo' }),
      runtime: 'x'.repeat(5000),
    });
    expect(res.status).toBe(413);
    expect(res.body.errors[0].code).toBe('payload_too_large');
    expect((await api('GET', '/api/v1/jobs')).body.count).toBe(0);
  });

  it('answers job-submission problems with the codes the Python client expects', async () => {
    const { api } = await testRuntime({ file: TEST_CONFIG });
    expect(
      (await api('POST', '/api/v1/jobs', samplerJob({ backend: 'solo', program_id: 'nope' }))).body,
    ).toEqual(ibm('program_not_found', 'Program nope not found'));
    expect((await api('POST', '/api/v1/jobs', samplerJob({ backend: 'mars' }))).body).toEqual(
      ibm('invalid_backend', 'Backend mars does not exist; the backends are: solo, wide'),
    );
    const unknownSession = await api(
      'POST',
      '/api/v1/jobs',
      samplerJob({ backend: 'solo', session_id: 'nope' }),
    );
    expect(unknownSession.status).toBe(400);
    expect(unknownSession.body).toEqual(ibm('invalid_session', 'Session nope does not exist'));
    const bad = await api('POST', '/api/v1/jobs', {
      program_id: 'sampler',
      backend: 'solo',
      params: { pubs: [['OPENQASM 2.0; qreg q[2]; foo q[0];']] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].code).toBe('invalid_params');
    const wide = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[9];\ncreg c[9];\nmeasure q -> c;\n';
    const tooWide = await api('POST', '/api/v1/jobs', {
      program_id: 'sampler',
      backend: 'solo',
      params: { pubs: [[wide]] },
    });
    expect(tooWide.status).toBe(400);
    expect(tooWide.body.errors[0].code).toBe('invalid_params');
    expect((await api('GET', '/api/v1/jobs')).body.count).toBe(0);
  });

  it('refuses a job for a closed session with 409', async () => {
    const { api } = await testRuntime({ file: TEST_CONFIG });
    const s = (await api('POST', '/api/v1/sessions', { backend: 'solo' })).body.id;
    await api('DELETE', `/api/v1/sessions/${s}/close`);
    expect(await api('POST', '/api/v1/jobs', samplerJob({ session_id: s }))).toMatchObject({
      status: 409,
      body: ibm('session_closed', `Session ${s} is closed`),
    });
    expect((await api('GET', '/api/v1/jobs')).body.count).toBe(0);
  });

  it('serialises a PATCH racing a close and a submission racing a close', async () => {
    const { api } = await testRuntime({ file: TEST_CONFIG });
    for (let i = 0; i < 20; i++) {
      const s = (await api('POST', '/api/v1/sessions', { backend: 'solo' })).body.id;
      const [patch, close, submit] = await Promise.all([
        api('PATCH', `/api/v1/sessions/${s}`, { accepting_jobs: true }),
        api('DELETE', `/api/v1/sessions/${s}/close`),
        api('POST', '/api/v1/jobs', samplerJob({ session_id: s })),
      ]);
      expect(close.status).toBe(204);
      expect([204, 409]).toContain(patch.status);
      const session = (await api('GET', `/api/v1/sessions/${s}`)).body;
      expect(session.state).toBe('closed');
      const jobs = (await api('GET', `/api/v1/jobs?session_id=${s}`)).body;
      if (submit.status === 200) {
        // The submission came first: its job was then cancelled by the close.
        expect(jobs.jobs[0].status).toBe('Cancelled');
      } else {
        expect(submit.body.errors[0].code).toBe('session_closed');
        expect(jobs.count).toBe(0);
      }
    }
  });

  it('never answers a stack trace: unexpected errors are a generic 500', async () => {
    const { api, rt } = await testRuntime({ file: TEST_CONFIG });
    rt.app.get('/api/v1/boom', async () => {
      throw new Error('secret internal detail at /srv/berth/x.ts:12');
    });
    const res = await api('GET', '/api/v1/boom');
    expect(res.status).toBe(500);
    expect(res.body).toEqual(ibm('internal_error', 'Internal error'));
    expect(res.text).not.toContain('secret');
  });
});
