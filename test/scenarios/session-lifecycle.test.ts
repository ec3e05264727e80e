import { describe, expect, it } from 'vitest';
import { T0, at } from '../helpers/builders.js';
import { TEST_CONFIG, samplerJob } from '../helpers/fixtures.js';
import { testRuntime } from '../helpers/test-runtime.js';

const setup = () => testRuntime({ file: TEST_CONFIG });

async function openSession(
  api: Awaited<ReturnType<typeof setup>>['api'],
  body: Record<string, unknown> = {},
) {
  const res = await api('POST', '/api/v1/sessions', {
    mode: 'dedicated',
    backend: 'solo',
    ...body,
  });
  expect(res.status).toBe(200);
  return res.body.id as string;
}

describe('session lifecycle', () => {
  it('goes open → active when its first job starts, with timestamps and a running max-TTL clock', async () => {
    const { api, advance, tick, clock } = await setup();
    const id = await openSession(api, { max_ttl: 600 });
    let s = (await api('GET', `/api/v1/sessions/${id}`)).body;
    expect(s).toMatchObject({
      state: 'open',
      state_reason: 'created',
      active_ttl: 600,
      started_at: null,
      elapsed_time: 0,
    });
    expect(s.timestamps).toEqual([{ status: 'open', timestamp: T0.toISOString() }]);

    clock.advanceSeconds(5);
    const job = (await api('POST', '/api/v1/jobs', samplerJob({ session_id: id }))).body;
    expect(job.session_id).toBe(id);
    await tick();
    s = (await api('GET', `/api/v1/sessions/${id}`)).body;
    expect(s).toMatchObject({
      state: 'active',
      state_reason: 'job_started',
      started_at: at(5).toISOString(),
      activated_at: at(5).toISOString(),
    });
    expect(s.timestamps.map((t: { status: string }) => t.status)).toEqual(['open', 'active']);
    await advance(100);
    s = (await api('GET', `/api/v1/sessions/${id}`)).body;
    expect(s.active_ttl).toBe(500);
    expect(s.elapsed_time).toBe(100);
  });

  it('goes inactive after interactive_ttl without work, and reactivates through the normal queue', async () => {
    const { api, advance, finish, tick } = await setup();
    const id = await openSession(api, { interactive_ttl: 30 });
    const j1 = (await api('POST', '/api/v1/jobs', samplerJob({ session_id: id }))).body.id;
    await tick();
    await advance(10);
    await finish(j1);
    await advance(29);
    expect((await api('GET', `/api/v1/sessions/${id}`)).body.state).toBe('active');
    await advance(1);
    let s = (await api('GET', `/api/v1/sessions/${id}`)).body;
    expect(s).toMatchObject({ state: 'inactive', state_reason: 'interactive_ttl_expired' });
    // Active for 40 s: from the start at 0 to the idle deadline at 40 (idle time counts).
    expect(s.elapsed_time).toBe(40);

    // A job of another instance user queued first runs first: the session lost its priority.
    const other = (await api('POST', '/api/v1/jobs', samplerJob({ backend: 'solo' }))).body.id;
    const j2 = (await api('POST', '/api/v1/jobs', samplerJob({ session_id: id }))).body.id;
    await tick();
    expect((await api('GET', `/api/v1/jobs/${other}`)).body.status).toBe('Running');
    expect((await api('GET', `/api/v1/jobs/${j2}`)).body.status).toBe('Queued');
    await advance(5);
    await finish(other);
    expect((await api('GET', `/api/v1/jobs/${j2}`)).body.status).toBe('Running');
    s = (await api('GET', `/api/v1/sessions/${id}`)).body;
    expect(s).toMatchObject({
      state: 'active',
      state_reason: 'job_started',
      activated_at: at(45).toISOString(),
      started_at: at(0).toISOString(),
    });
    expect(s.timestamps.map((t: { status: string }) => t.status)).toEqual([
      'open',
      'active',
      'inactive',
      'active',
    ]);
  });

  it('closes at max_ttl: queued jobs are cancelled, the running one finishes, new jobs are refused', async () => {
    const { api, advance, finish, tick } = await setup();
    const id = await openSession(api, { max_ttl: 60 });
    const running = (await api('POST', '/api/v1/jobs', samplerJob({ session_id: id }))).body.id;
    const queued = (await api('POST', '/api/v1/jobs', samplerJob({ session_id: id }))).body.id;
    await tick();
    await advance(60);
    const s = (await api('GET', `/api/v1/sessions/${id}`)).body;
    expect(s).toMatchObject({
      state: 'closed',
      state_reason: 'max_ttl_expired',
      closed_at: at(60).toISOString(),
      accepting_jobs: false,
      active_ttl: 0,
    });
    expect((await api('GET', `/api/v1/jobs/${queued}`)).body.state).toMatchObject({
      status: 'Cancelled',
      reason: 'Cancelled: session max_ttl reached',
    });
    expect((await api('GET', `/api/v1/jobs/${running}`)).body.status).toBe('Running');
    const refused = await api('POST', '/api/v1/jobs', samplerJob({ session_id: id }));
    expect(refused.status).toBe(409);
    expect(refused.body.errors[0].code).toBe('session_closed');
    await finish(running);
    expect((await api('GET', `/api/v1/jobs/${running}`)).body.status).toBe('Completed');
  });

  it('closes an open session that gets no job within open_ttl', async () => {
    const { api, advance } = await testRuntime({
      file: { ...TEST_CONFIG, ttl: { openTtlSeconds: 120 } },
    });
    const id = await openSession(api);
    await advance(119);
    expect((await api('GET', `/api/v1/sessions/${id}`)).body.state).toBe('open');
    await advance(1);
    expect((await api('GET', `/api/v1/sessions/${id}`)).body).toMatchObject({
      state: 'closed',
      state_reason: 'open_ttl_expired',
      closed_at: at(120).toISOString(),
    });
  });

  it('drains after PATCH accepting_jobs=false: queued jobs still run, then it closes', async () => {
    const { api, finish, tick, advance } = await setup();
    const id = await openSession(api);
    const j1 = (await api('POST', '/api/v1/jobs', samplerJob({ session_id: id }))).body.id;
    const j2 = (await api('POST', '/api/v1/jobs', samplerJob({ session_id: id }))).body.id;
    await tick();
    expect((await api('PATCH', `/api/v1/sessions/${id}`, { accepting_jobs: false })).status).toBe(
      204,
    );
    const refused = await api('POST', '/api/v1/jobs', samplerJob({ session_id: id }));
    expect(refused.status).toBe(409);
    expect(refused.body.errors[0].code).toBe('session_not_accepting_jobs');
    await advance(3);
    await finish(j1);
    expect((await api('GET', `/api/v1/jobs/${j2}`)).body.status).toBe('Running');
    expect((await api('GET', `/api/v1/sessions/${id}`)).body).toMatchObject({
      state: 'active',
      accepting_jobs: false,
    });
    await advance(3);
    await finish(j2);
    expect((await api('GET', `/api/v1/sessions/${id}`)).body).toMatchObject({
      state: 'closed',
      state_reason: 'closed_by_user',
      closed_at: at(6).toISOString(),
    });
  });

  it('closes a batch session with no_more_jobs once its last job ends', async () => {
    const { api, finish, tick } = await setup();
    const id = await openSession(api, { mode: 'batch' });
    const j = (await api('POST', '/api/v1/jobs', samplerJob({ session_id: id }))).body.id;
    await tick();
    await api('PATCH', `/api/v1/sessions/${id}`, { accepting_jobs: false });
    await finish(j);
    expect((await api('GET', `/api/v1/sessions/${id}`)).body).toMatchObject({
      state: 'closed',
      state_reason: 'no_more_jobs',
    });
  });

  it('DELETE close cancels queued jobs and lets the running one finish', async () => {
    const { api, finish, tick } = await setup();
    const id = await openSession(api);
    const running = (await api('POST', '/api/v1/jobs', samplerJob({ session_id: id }))).body.id;
    const queued = (await api('POST', '/api/v1/jobs', samplerJob({ session_id: id }))).body.id;
    await tick();
    expect((await api('DELETE', `/api/v1/sessions/${id}/close`)).status).toBe(204);
    expect((await api('DELETE', `/api/v1/sessions/${id}/close`)).status).toBe(204);
    expect((await api('GET', `/api/v1/sessions/${id}`)).body).toMatchObject({
      state: 'closed',
      state_reason: 'cancelled_by_user',
    });
    expect((await api('GET', `/api/v1/jobs/${queued}`)).body.status).toBe('Cancelled');
    await finish(running);
    expect((await api('GET', `/api/v1/jobs/${running}`)).body.status).toBe('Completed');
    const reopen = await api('PATCH', `/api/v1/sessions/${id}`, { accepting_jobs: true });
    expect(reopen.status).toBe(409);
    expect(reopen.body.errors[0].code).toBe('session_closed');
    expect((await api('PATCH', `/api/v1/sessions/${id}`, { accepting_jobs: false })).status).toBe(
      204,
    );
  });

  it('binds a session created without a backend to its first job’s backend', async () => {
    const { api } = await setup();
    const id = (await api('POST', '/api/v1/sessions', { mode: 'batch' })).body.id;
    expect((await api('GET', `/api/v1/sessions/${id}`)).body.backend_name).toBeNull();
    expect(
      (await api('POST', '/api/v1/jobs', samplerJob({ session_id: id }))).body.errors[0].code,
    ).toBe('backend_required');
    expect(
      (await api('POST', '/api/v1/jobs', samplerJob({ session_id: id, backend: 'wide' }))).status,
    ).toBe(200);
    expect((await api('GET', `/api/v1/sessions/${id}`)).body.backend_name).toBe('wide');
    const mismatch = await api(
      'POST',
      '/api/v1/jobs',
      samplerJob({ session_id: id, backend: 'solo' }),
    );
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.errors[0].code).toBe('backend_mismatch');
  });
});
