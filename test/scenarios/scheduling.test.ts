import { describe, expect, it } from 'vitest';
import { at } from '../helpers/builders.js';
import { OTHER_CRN, TEST_CONFIG, samplerJob } from '../helpers/fixtures.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase, testRuntime } from '../helpers/test-runtime.js';

type Ctx = Awaited<ReturnType<typeof testRuntime>>;
const status = async (api: Ctx['api'], id: string) =>
  (await api('GET', `/api/v1/jobs/${id}`)).body.status as string;
const position = async (api: Ctx['api'], id: string) =>
  (await api('GET', `/api/v1/jobs/${id}/metrics`)).body.position_in_queue as number | null;
const submit = async (
  api: Ctx['api'],
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) => {
  const res = await api('POST', '/api/v1/jobs', samplerJob(body), headers);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.id as string;
};

describe('scheduling', () => {
  it('reserves the backend for an active dedicated session, even while it has nothing queued', async () => {
    const { api, finish, tick, advance } = await testRuntime({ file: TEST_CONFIG });
    const s = (
      await api('POST', '/api/v1/sessions', {
        mode: 'dedicated',
        backend: 'wide',
        interactive_ttl: 20,
      })
    ).body.id;
    const mine = await submit(api, { session_id: s });
    await tick();
    const outsider = await submit(api, { backend: 'wide' });
    await tick();
    // Three lanes, one used: the other two stay idle for the session.
    expect(await status(api, outsider)).toBe('Queued');
    await advance(2);
    await finish(mine);
    expect(await status(api, outsider)).toBe('Queued');
    const mine2 = await submit(api, { session_id: s });
    await tick();
    expect(await status(api, mine2)).toBe('Running');
    await finish(mine2);
    await advance(19);
    expect(await status(api, outsider)).toBe('Queued');
    await advance(1);
    // interactive_ttl passed: the session is inactive and the backend is released.
    expect((await api('GET', `/api/v1/sessions/${s}`)).body.state).toBe('inactive');
    expect(await status(api, outsider)).toBe('Running');
  });

  it('starts a dedicated session’s next job in the commit that ends the one before it', async () => {
    const { rt, api, advance, executor, tick } = await testRuntime({ file: TEST_CONFIG });
    const s = (
      await api('POST', '/api/v1/sessions', {
        mode: 'dedicated',
        backend: 'solo',
        interactive_ttl: 60,
      })
    ).body.id;
    const first = await submit(api, { session_id: s });
    const second = await submit(api, { session_id: s });
    await tick();
    expect(await status(api, first)).toBe('Running');
    await advance(5);
    const seen = (await rt.store.readEvents({ after: 0 }, 1000)).at(-1)?.seq ?? 0;
    executor.complete(first);
    await rt.worker.settled(first);
    // No scheduler pass since: the commit that ended the first job started the second.
    expect(await status(api, second)).toBe('Running');
    const [a, b] = [await rt.store.getJob(first), await rt.store.getJob(second)];
    expect(b?.startedAt).toEqual(a?.endedAt);
    const changes = (await rt.store.readEvents({ after: seen }, 1000))
      .filter((e) => e.type === 'job.state_changed')
      .map((e) => (e.type === 'job.state_changed' ? [e.job.id, e.job.status] : []));
    expect(changes).toEqual([
      [first, 'Completed'],
      [second, 'Running'],
    ]);
    expect((await api('GET', `/api/v1/sessions/${s}`)).body.state).toBe('active');
  });

  it('lets jobs already running finish when a dedicated session activates, but starts nothing else', async () => {
    const { api, finish, tick } = await testRuntime({ file: TEST_CONFIG });
    const early = await submit(api, { backend: 'wide' });
    await tick();
    const s = (await api('POST', '/api/v1/sessions', { mode: 'dedicated', backend: 'wide' })).body
      .id;
    const mine = await submit(api, { session_id: s });
    await tick();
    expect(await status(api, mine)).toBe('Running');
    const late = await submit(api, { backend: 'wide' });
    await tick();
    expect(await status(api, early)).toBe('Running');
    expect(await status(api, late)).toBe('Queued');
    await finish(early);
    expect(await status(api, late)).toBe('Queued');
  });

  it('runs an active batch session’s jobs ahead of the normal queue without holding idle lanes', async () => {
    const { api, finish, tick } = await testRuntime({ file: TEST_CONFIG });
    const b = (
      await api('POST', '/api/v1/sessions', { mode: 'batch', backend: 'solo', interactive_ttl: 60 })
    ).body.id;
    const first = await submit(api, { session_id: b });
    await tick();
    const normal = await submit(api, { backend: 'solo' });
    const second = await submit(api, { session_id: b });
    // The queue position says so before it happens.
    expect([await position(api, second), await position(api, normal)]).toEqual([0, 1]);
    await finish(first);
    // The batch job submitted after the normal one goes first.
    expect(await status(api, second)).toBe('Running');
    expect(await status(api, normal)).toBe('Queued');
    await finish(second);
    // Nothing queued in the batch: the lane goes to the normal queue although the session is active.
    expect((await api('GET', `/api/v1/sessions/${b}`)).body.state).toBe('active');
    expect(await status(api, normal)).toBe('Running');
  });

  it('shares a backend fairly between instances by their usage this period', async () => {
    const { api, finish, tick, advance } = await testRuntime({ file: TEST_CONFIG });
    const other = { 'service-crn': OTHER_CRN };
    // The default instance uses 100 s first.
    const heavy = await submit(api, { backend: 'solo' });
    await tick();
    await advance(100);
    await finish(heavy);
    const blocker = await submit(api, { backend: 'solo' });
    await tick();
    const d1 = await submit(api, { backend: 'solo' });
    const d2 = await submit(api, { backend: 'solo' });
    const o1 = await submit(api, { backend: 'solo' }, other);
    await advance(1);
    expect(await Promise.all([o1, d1, d2].map((id) => position(api, id)))).toEqual([0, 1, 2]);
    await finish(blocker);
    // The other instance used nothing: its later job goes before the default instance's older ones.
    expect(await status(api, o1)).toBe('Running');
    expect(await status(api, d1)).toBe('Queued');
    await finish(o1);
    expect(await status(api, d1)).toBe('Running');
    expect(await status(api, d2)).toBe('Queued');
  });

  it('runs several jobs at once on a backend with several lanes', async () => {
    const { api, tick } = await testRuntime({ file: TEST_CONFIG });
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await submit(api, { backend: 'wide' }));
    await tick();
    expect(await Promise.all(ids.map((id) => status(api, id)))).toEqual([
      'Running',
      'Running',
      'Running',
      'Queued',
    ]);
  });

  it('holds a lane for the modeled execution time and counts it as usage', async () => {
    const config = {
      ...TEST_CONFIG,
      backends: [
        { name: 'qpu', lanes: 1, qubits: 5, model: { jobOverheadMs: 1000, shotTimeMs: 10 } },
      ],
    };
    const { api, finish, tick, advance } = await testRuntime({ file: config });
    const j = await submit(api, { backend: 'qpu' }); // 100 shots: 1 s + 1 s
    const next = await submit(api, { backend: 'qpu' });
    await tick();
    await finish(j); // the simulation itself is instant
    expect(await status(api, j)).toBe('Running');
    await advance(1.999);
    expect(await status(api, j)).toBe('Running');
    await advance(0.001);
    const done = (await api('GET', `/api/v1/jobs/${j}`)).body;
    expect(done).toMatchObject({
      status: 'Completed',
      ended: at(2).toISOString(),
      usage: { qpu_charge_time_seconds: 2 },
    });
    expect(done.estimated_running_time_seconds).toBe(2);
    expect((await api('GET', `/api/v1/jobs/${next}`)).body).toMatchObject({
      status: 'Running',
      started: at(2).toISOString(),
    });
  });

  it('stops a job that runs longer than its cost with reason code 1305', async () => {
    const { api, tick, advance } = await testRuntime({ file: TEST_CONFIG });
    const j = await submit(api, { backend: 'solo', cost: 30 });
    await tick();
    await advance(30);
    const job = (await api('GET', `/api/v1/jobs/${j}`)).body;
    expect(job.status).toBe('Cancelled - Ran too long');
    expect(job.state).toMatchObject({ status: 'Cancelled', reason_code: 1305 });
    expect(job.ended).toBe(at(30).toISOString());
  });

  it('starts nothing on a paused backend, and keeps its queue', async () => {
    const config = {
      ...TEST_CONFIG,
      backends: [{ name: 'solo', status: 'paused', statusReason: 'maintenance' }],
    };
    const { api, tick } = await testRuntime({ file: config });
    const j = await submit(api, { backend: 'solo' });
    await tick();
    expect(await status(api, j)).toBe('Queued');
    const st = (await api('GET', '/api/v1/backends/solo/status')).body;
    expect(st).toMatchObject({
      state: false,
      status: 'paused',
      message: 'maintenance',
      length_queue: 1,
    });
  });

  it('pauses and resumes a backend from /admin, durably, and keeps its queue meanwhile', async () => {
    const db =
      process.env.BERTH_TEST_DB === 'postgres'
        ? await testDatabase()
        : join(mkdtempSync(join(tmpdir(), 'berth-pause-')), 'berth.db');
    const first = await testRuntime({ file: TEST_CONFIG, env: { BERTH_DB: db } });
    const paused = await first.api('POST', '/admin/backends/solo/pause', {
      reason: 'recalibrating',
    });
    expect(paused.status, JSON.stringify(paused.body)).toBe(200);
    expect(paused.body.status).toEqual({ name: 'paused', reason: 'recalibrating' });
    const j = await submit(first.api, { backend: 'solo' });
    await first.tick();
    expect(await status(first.api, j)).toBe('Queued');
    expect((await first.api('GET', '/api/v1/backends/solo/status')).body).toMatchObject({
      state: false,
      status: 'paused',
      message: 'recalibrating',
      length_queue: 1,
    });
    // Refused, with what to send, and nothing changes.
    const bad = await first.api('POST', '/admin/backends/solo/pause', { why: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].message).toContain('{"reason": "…"}');
    const missing = await first.api('POST', '/admin/backends/nope/resume');
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0].message).toContain('the backends are: solo, wide');
    await first.rt.stop();

    // A restart keeps it paused; a resume starts the queue.
    const second = await testRuntime({ file: TEST_CONFIG, env: { BERTH_DB: db } });
    await second.tick();
    expect(await status(second.api, j)).toBe('Queued');
    expect((await second.api('GET', '/api/v1/backends')).body.devices[0].status.name).toBe(
      'paused',
    );
    const resumed = await second.api('POST', '/admin/backends/solo/resume');
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).toEqual({ name: 'online', reason: null });
    await second.tick();
    expect(await status(second.api, j)).toBe('Running');
  });

  it('lets only administrators pause a backend', async () => {
    const { api } = await testRuntime({ file: TEST_CONFIG });
    const key = (await api('POST', '/admin/keys', { name: 'user' })).body.key as string;
    const res = await api('POST', '/admin/backends/solo/pause', undefined, {
      authorization: `Bearer ${key}`,
    });
    expect(res.status).toBe(403);
    expect((await api('GET', '/api/v1/backends/solo/status')).body.status).toBe('active');
  });

  it('cancels a queued job at once and a running job once its execution stopped', async () => {
    const { api, tick, rt } = await testRuntime({ file: TEST_CONFIG });
    const running = await submit(api, { backend: 'solo' });
    const queued = await submit(api, { backend: 'solo' });
    await tick();
    expect((await api('POST', `/api/v1/jobs/${queued}/cancel`)).status).toBe(204);
    expect(await status(api, queued)).toBe('Cancelled');
    expect((await api('POST', `/api/v1/jobs/${running}/cancel`)).status).toBe(204);
    await rt.worker.settled(running);
    expect((await api('GET', `/api/v1/jobs/${running}`)).body.state).toMatchObject({
      status: 'Cancelled',
      reason: 'Cancelled by user',
    });
    const again = await api('POST', `/api/v1/jobs/${running}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.errors[0].code).toBe('job_not_cancellable');
  });
});
