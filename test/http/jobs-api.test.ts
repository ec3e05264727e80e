import { describe, expect, it } from 'vitest';
import { BELL, TEST_CONFIG, samplerJob } from '../helpers/fixtures.js';
import { testRuntime } from '../helpers/test-runtime.js';

describe('jobs API', () => {
  it('lists with an exact count across pages, filters and sorting', async () => {
    const { api, tick, clock } = await testRuntime({ file: TEST_CONFIG });
    const s = (await api('POST', '/api/v1/sessions', { mode: 'batch', backend: 'wide' })).body.id;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      clock.advance(1000);
      const body =
        i < 3
          ? samplerJob({ session_id: s, tags: ['exp', `n${i}`] })
          : samplerJob({ backend: 'solo', tags: ['other'] });
      ids.push((await api('POST', '/api/v1/jobs', body)).body.id);
    }
    await tick();
    const page1 = (await api('GET', '/api/v1/jobs?limit=3')).body;
    expect(page1).toMatchObject({ count: 7, limit: 3, offset: 0 });
    expect(page1.jobs.map((j: { id: string }) => j.id)).toEqual([ids[6], ids[5], ids[4]]);
    expect(page1.jobs[0].params).toBeUndefined();
    const page3 = (await api('GET', '/api/v1/jobs?limit=3&offset=6')).body;
    expect(page3.jobs.map((j: { id: string }) => j.id)).toEqual([ids[0]]);
    const asc = (await api('GET', '/api/v1/jobs?limit=2&sort=ASC&exclude_params=false')).body;
    expect(asc.jobs.map((j: { id: string }) => j.id)).toEqual([ids[0], ids[1]]);
    expect(asc.jobs[0].params.pubs).toHaveLength(1);
    expect((await api('GET', `/api/v1/jobs?session_id=${s}`)).body.count).toBe(3);
    expect(
      (await api('GET', '/api/v1/jobs?tags=exp&tags=n1')).body.jobs.map(
        (j: { id: string }) => j.id,
      ),
    ).toEqual([ids[1]]);
    expect((await api('GET', '/api/v1/jobs?backend=solo&pending=true')).body.count).toBe(4);
    expect((await api('GET', '/api/v1/jobs?pending=false')).body.count).toBe(0);
    expect((await api('GET', '/api/v1/jobs?program=estimator')).body.count).toBe(0);
    const after = new Date(Date.parse('2026-01-01T00:00:05.000Z')).toISOString();
    expect((await api('GET', `/api/v1/jobs?created_after=${after}`)).body.count).toBe(3);
  });

  it('replaces tags, and deletes only final jobs', async () => {
    const { api, tick, finish } = await testRuntime({ file: TEST_CONFIG });
    const id = (await api('POST', '/api/v1/jobs', samplerJob({ backend: 'solo', tags: ['a'] })))
      .body.id;
    expect((await api('PUT', `/api/v1/jobs/${id}/tags`, { tags: ['b', 'c'] })).status).toBe(204);
    expect((await api('GET', `/api/v1/jobs/${id}`)).body.tags).toEqual(['b', 'c']);
    const early = await api('DELETE', `/api/v1/jobs/${id}`);
    expect(early.status).toBe(409);
    expect(early.body.errors[0].code).toBe('job_not_final');
    await tick();
    await finish(id);
    expect((await api('DELETE', `/api/v1/jobs/${id}`)).status).toBe(204);
    expect((await api('GET', `/api/v1/jobs/${id}`)).status).toBe(404);
  });

  it('answers results with 204 until the job completes, and the reason as text for a job that failed', async () => {
    const { api, tick, finish } = await testRuntime({ file: TEST_CONFIG });
    const ok = (await api('POST', '/api/v1/jobs', samplerJob({ backend: 'wide' }))).body.id;
    const bad = (await api('POST', '/api/v1/jobs', samplerJob({ backend: 'wide' }))).body.id;
    expect((await api('GET', `/api/v1/jobs/${ok}/results`)).status).toBe(204);
    await tick();
    await finish(ok);
    await finish(bad, { fail: 'the device caught fire' });
    const res = await api('GET', `/api/v1/jobs/${ok}/results`);
    expect(res.status).toBe(200);
    expect(res.body.__type__).toBe('PrimitiveResult');
    const failed = (await api('GET', `/api/v1/jobs/${bad}`)).body;
    expect(failed.state).toMatchObject({ status: 'Failed', reason: 'the device caught fire' });
    const none = await api('GET', `/api/v1/jobs/${bad}/results`);
    expect(none.status).toBe(200);
    expect(none.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(none.headers['x-berth-job-status']).toBe('Failed');
    expect(none.text).toBe('the device caught fire');
    const logs = await api('GET', `/api/v1/jobs/${bad}/logs`);
    expect(logs.headers['content-type']).toMatch(/^text\/plain/);
    expect(logs.text).toMatch(/Queued on wide\n.*Failed: the device caught fire\n$/s);
  });

  it('hides the params of a private job', async () => {
    const { api } = await testRuntime({ file: TEST_CONFIG });
    const id = (await api('POST', '/api/v1/jobs', samplerJob({ backend: 'solo', private: true })))
      .body.id;
    const job = (await api('GET', `/api/v1/jobs/${id}?exclude_params=false`)).body;
    expect(job.private).toBe(true);
    expect(job.params).toBeUndefined();
  });

  it('accepts the Python client’s Content-Type: application/json on requests without a body', async () => {
    const { api } = await testRuntime({ file: TEST_CONFIG });
    const s = (await api('POST', '/api/v1/sessions', { backend: 'solo' })).body.id;
    const json = { 'content-type': 'application/json' };
    expect((await api('GET', `/api/v1/sessions/${s}`, undefined, json)).status).toBe(200);
    expect((await api('GET', '/api/v1/jobs', undefined, json)).status).toBe(200);
    expect((await api('DELETE', `/api/v1/sessions/${s}/close`, undefined, json)).status).toBe(204);
    const created = await api('POST', '/api/v1/sessions', undefined, json);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ mode: 'dedicated', backend_name: null });
  });
});

describe('GET /jobs/{id}/diagram', () => {
  it("draws each of a job's circuits as written, on its active qubits", async () => {
    const { api } = await testRuntime({ file: TEST_CONFIG });
    const isa =
      'OPENQASM 3.0; include "stdgates.inc"; bit[2] c; rz(pi/2) $3; sx $3; cx $3, $4; c[0] = measure $3; c[1] = measure $4;';
    const job = await api('POST', '/api/v1/jobs', {
      program_id: 'sampler',
      backend: 'wide',
      params: { pubs: [[BELL, null, 10], [isa]], version: 2 },
    });
    expect(job.status).toBe(200);
    const res = await api('GET', `/api/v1/jobs/${job.body.id}/diagram`);
    expect(res.status).toBe(200);
    const [bell, wide] = res.body.circuits;
    expect(bell).toMatchObject({
      index: 0,
      num_qubits: 2,
      qubits: [
        { index: 0, label: 'q[0]' },
        { index: 1, label: 'q[1]' },
      ],
      total_operations: 4,
      truncated: false,
    });
    expect(bell.operations.map((o: { name: string }) => o.name)).toEqual([
      'h',
      'cx',
      'measure',
      'measure',
    ]);
    // An ISA circuit is as wide as the backend; only its two active qubits are rows.
    expect(wide).toMatchObject({
      index: 1,
      num_qubits: 5,
      qubits: [{ label: '$3' }, { label: '$4' }],
    });
    expect(wide.operations[0]).toMatchObject({ name: 'rz', params: ['π/2'], qubits: [3] });
    expect((await api('GET', '/api/v1/jobs/nope/diagram')).status).toBe(404);
  });

  it('draws nothing of a private job, whose params are never shown', async () => {
    const { api } = await testRuntime({ file: TEST_CONFIG });
    const id = (await api('POST', '/api/v1/jobs', samplerJob({ backend: 'solo', private: true })))
      .body.id;
    expect((await api('GET', `/api/v1/jobs/${id}/diagram`)).body).toEqual({ circuits: [] });
  });
});
