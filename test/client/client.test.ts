/**
 * @berth/client against a real, listening Berth: backends, sessions running sampler jobs,
 * `await using`, close vs cancel, typed errors, and job.wait() on a server without event routes.
 */
import { describe, expect, it } from 'vitest';
import {
  BerthClient,
  BerthError,
  type Job,
  type JobStatus,
  countsOf,
} from '../../src/client/index.js';
import { call, startServer, tempDir } from '../helpers/spawn-server.js';
import {
  ADMIN_KEY,
  BELL3,
  bellParams,
  berth,
  eventually,
  freePort,
  pathOf,
  startProxy,
} from './helpers.js';
import { join } from 'node:path';

/** Bell counts: only 00 and 11, `shots` in all. */
function expectBell(counts: Record<string, Record<string, number>>, shots: number): void {
  expect(Object.keys(counts)).toEqual(['c']);
  const c = counts.c ?? {};
  for (const bits of Object.keys(c)) expect(['00', '11']).toContain(bits);
  expect(Object.values(c).reduce((a, b) => a + b, 0)).toBe(shots);
}

describe('@berth/client against berth serve', () => {
  it('runs a dedicated session of two Bell sampler jobs on the real command, and closes it with await using', async () => {
    const dir = tempDir();
    const server = await startServer({
      BERTH_DB: join(dir, 'db.sqlite'),
      BERTH_API_KEY: ADMIN_KEY,
    });
    const client = new BerthClient({ url: server.url, token: ADMIN_KEY });

    const names = (await client.backends.list()).map((d) => d.name);
    expect(names).toContain('berth_sim');

    let id = '';
    {
      await using session = await client.session({ backend: 'berth_sim' });
      id = session.id;
      expect(session.details).toMatchObject({ mode: 'dedicated', backend_name: 'berth_sim' });
      const jobs = [
        await session.run('sampler', bellParams(100), { tags: ['sdk', 'first'] }),
        await session.run('sampler', bellParams(100)),
      ];
      for (const job of jobs) {
        expect(job.sessionId).toBe(id);
        const result = await job.result();
        expect(result.__type__).toBe('PrimitiveResult');
        expect(job.status).toBe('Completed');
        expect(job.details?.session_id).toBe(id);
        expectBell(countsOf(result), 100);
      }
      expect(jobs[0]?.details?.tags).toEqual(['sdk', 'first']);
      await session.refresh();
      expect(session.state).not.toBe('closed');
      expect(session.details.accepting_jobs).toBe(true);
    }
    // Leaving the block closed it (PATCH accepting_jobs=false; nothing queued: closed at once).
    const after = await call(server.url, ADMIN_KEY, 'GET', `/api/v1/sessions/${id}`);
    expect(after.body).toMatchObject({
      accepting_jobs: false,
      state: 'closed',
      state_reason: 'closed_by_user',
    });
  });
});

describe('@berth/client', () => {
  it('reads backends, their documents, usage and versions', async () => {
    const { client } = await berth();
    const c = client();
    const devices = await c.backends.list();
    expect(devices.map((d) => d.name)).toEqual(['berth_manila', 'berth_manila_ideal', 'berth_sim']);
    expect(devices[0]).toMatchObject({ status: { name: 'online' }, qubits: 5 });
    expect(await c.backends.status('berth_sim')).toMatchObject({ state: true, status: 'active' });
    expect(await c.backends.configuration('berth_manila')).toMatchObject({
      backend_name: 'berth_manila',
      n_qubits: 5,
    });
    expect(await c.backends.properties('berth_manila')).toHaveProperty('qubits');
    expect(await c.usage()).toMatchObject({ usage_limit_reached: false });
    expect((await c.versions()).versions.length).toBeGreaterThan(0);
  });

  it('submits, lists, reads logs and metrics, tags and deletes jobs; batch sessions', async () => {
    const { client } = await berth();
    const c = client({ userAgent: 'sdk-test/1' });
    const batch = await c.batch({ backend: 'berth_sim', maxTtl: 300 });
    expect(batch.mode).toBe('batch');
    expect(batch.details.max_ttl).toBe(300);
    const job = await c.jobs.submit({
      programId: 'sampler',
      params: bellParams(10),
      sessionId: batch.id,
      tags: ['t1'],
    });
    expect(job.status).toBe('Queued');
    expect(job.details).toBeNull();
    await job.wait({ events: false });
    expect(job.status).toBe('Completed');
    expect(job.details).toMatchObject({ id: job.id, session_id: batch.id, backend: 'berth_sim' });

    const fetched = await c.jobs.get(job.id);
    expect(fetched.details?.params).toMatchObject({ pubs: [[BELL3, null, 10]] });
    expect((await fetched.refresh()).final).toBe(true);

    const page = await batch.jobs();
    expect(page).toMatchObject({ count: 1 });
    expect(page.jobs[0]?.id).toBe(job.id);
    expect((await c.jobs.list({ tags: ['t1'], pending: false })).count).toBe(1);
    expect((await c.sessions.list({ mode: 'batch' })).sessions.map((s) => s.id)).toContain(
      batch.id,
    );

    expect(await job.logs()).toMatch(/Queued on berth_sim\n.*Ran 1 pub/s);
    expect(await c.jobs.metrics(job.id)).toMatchObject({
      usage: { status: 'complete' },
      caller: 'sdk-test/1',
    });
    await c.jobs.setTags(job.id, ['t2']);
    expect((await c.jobs.get(job.id)).details?.tags).toEqual(['t2']);
    expect((await c.jobs.results(job.id))?.__type__).toBe('PrimitiveResult');
    await c.jobs.delete(job.id);
    await expect(c.jobs.get(job.id)).rejects.toMatchObject({ status: 404 });
    await batch.close();
    expect((await batch.refresh()).state).toBe('closed');
  });

  it('close() lets queued jobs finish; cancel() cancels them', async () => {
    const { client } = await berth();
    const c = client();
    // berth_manila runs one job at a time and holds it 100 ms + 0.1 ms per shot.
    const drained = await c.session({ backend: 'berth_manila' });
    const a = await Promise.all([1, 2, 3].map(() => drained.run('sampler', bellParams(2000))));
    await drained.close();
    expect((await drained.refresh()).details.accepting_jobs).toBe(false);
    await expect(drained.run('sampler', bellParams(10))).rejects.toMatchObject({
      status: 409,
      code: 'session_not_accepting_jobs',
    });
    for (const job of a) expect((await job.wait()).status).toBe('Completed');
    await eventually(async () => ((await drained.refresh()).state === 'closed' ? true : undefined));
    expect(drained.details.state_reason).toBe('closed_by_user');

    const cancelled = await c.batch({ backend: 'berth_manila' });
    const b = await Promise.all([1, 2, 3, 4].map(() => cancelled.run('sampler', bellParams(2000))));
    await cancelled.cancel();
    expect((await cancelled.refresh()).state).toBe('closed');
    expect(cancelled.details.state_reason).toBe('cancelled_by_user');
    const statuses: JobStatus[] = [];
    for (const job of b) statuses.push((await job.wait()).status);
    expect(statuses).toContain('Cancelled');
    for (const s of statuses) expect(['Completed', 'Cancelled']).toContain(s);
    const gone = b.find((j) => j.status === 'Cancelled') as Job;
    expect(gone.details?.state.reason).toMatch(/closed by its owner/);
    // result() of a cancelled job is a BerthError.
    const err = await gone.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BerthError);
    expect(err).toMatchObject({ status: 409, code: 'job_cancelled' });
    // So is the raw results() call, which the server answers with the reason as text.
    const raw = await c.jobs.results(gone.id).catch((e: unknown) => e);
    expect(raw).toBeInstanceOf(BerthError);
    expect(raw).toMatchObject({ status: 200, code: 'job_cancelled' });
    expect((raw as BerthError).message).toMatch(/closed by its owner/);
    // Both are idempotent.
    await cancelled.cancel();
    await cancelled.close();
  });

  it('throws typed BerthErrors with the IBM code and the request id', async () => {
    const { client, url } = await berth();
    const c = client();
    const missing = await c.jobs.get('no-such-job').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(BerthError);
    expect(missing).toMatchObject({ status: 404, code: 'job_not_found', method: 'GET' });
    const e404 = missing as BerthError;
    expect(e404.requestId).toMatch(/.+/);
    expect(e404.message).toMatch(/not found/i);
    expect(e404.errors[0]?.more_info).toMatch(/job_not_found/);

    await expect(c.sessions.create({ backend: 'nope' })).rejects.toMatchObject({
      status: 400,
      code: 'invalid_backend',
    });
    await expect(
      c.jobs.submit({ programId: 'sampler', backend: 'berth_sim', params: { pubs: 'x' } }),
    ).rejects.toMatchObject({ status: 400, code: 'invalid_params' });
    await expect(
      c.jobs.submit({ programId: 'nothing', backend: 'berth_sim', params: {} }),
    ).rejects.toMatchObject({ status: 404, code: 'program_not_found' });
    await expect(client({ token: 'wrong-key-0123456789' }).backends.list()).rejects.toMatchObject({
      status: 401,
      code: 'unauthorized',
    });
    await expect(client({ instance: 'crn:nope' }).sessions.list()).rejects.toMatchObject({
      status: 404,
      code: 'instance_not_found',
    });
    // A trailing /api/v1 in the URL is accepted.
    expect(
      await new BerthClient({ url: `${url}/api/v1/`, token: ADMIN_KEY }).usage(),
    ).toHaveProperty('instance_id');

    const port = await freePort();
    const down = new BerthClient({ url: `http://127.0.0.1:${port}`, token: ADMIN_KEY, retries: 1 });
    const conn = await down.backends.list().catch((e: unknown) => e);
    expect(conn).toBeInstanceOf(BerthError);
    expect(conn).toMatchObject({ status: 0, code: 'connection_error', requestId: null });
  });

  it('administers keys and lists instances', async () => {
    const { client } = await berth();
    const c = client();
    const created = await c.admin.keys.create({ name: 'ci' });
    expect(created.key).toMatch(/.{16,}/);
    const keys = await c.admin.keys.list();
    expect(keys.map((k) => k.name)).toContain('ci');
    const user = client({ token: created.key });
    expect((await user.backends.list()).length).toBe(3);
    await expect(user.admin.keys.list()).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    await c.admin.keys.revoke(created.id);
    await expect(user.backends.list()).rejects.toMatchObject({ status: 401 });
    const instances = await c.admin.instances.list();
    expect(instances[0]).toMatchObject({ name: 'default' });
  });

  it('waits by polling when the server has no event routes', async () => {
    const { url } = await berth();
    // An older server: every /events route is a 404 (Berth's "no such endpoint").
    const proxy = await startProxy(url, (r) =>
      pathOf(r).endsWith('/events')
        ? {
            status: 404,
            body: {
              trace: 'x',
              errors: [{ code: 'not_found', message: 'No such endpoint', more_info: '' }],
            },
          }
        : 'forward',
    );
    const c = new BerthClient({ url: proxy.url, token: ADMIN_KEY });
    const job = await c.jobs.submit({
      programId: 'sampler',
      backend: 'berth_manila_ideal',
      params: bellParams(1000),
    });
    const updates: JobStatus[] = [];
    await job.wait({ onUpdate: (j) => updates.push(j.status) });
    expect(job.status).toBe('Completed');
    expect(updates.at(-1)).toBe('Completed');
    expectBell(countsOf(await job.result()), 1000);
    const paths = proxy.seen.map((r) => `${r.method} ${pathOf(r)}`);
    expect(paths.filter((p) => p.endsWith('/events'))).toEqual([
      `GET /api/v1/jobs/${job.id}/events`,
    ]);
    expect(paths.filter((p) => p === `GET /api/v1/jobs/${job.id}`).length).toBeGreaterThan(0);
    // The events iterators themselves report the 404.
    const it404 = c.jobs.events(job.id)[Symbol.asyncIterator]();
    await expect(it404.next()).rejects.toMatchObject({ status: 404, code: 'not_found' });
    // A missing job is reported as such, not hidden by the fallback.
    await expect(c.jobs.handle('no-such-job').wait()).rejects.toMatchObject({
      status: 404,
      code: 'job_not_found',
    });
  });

  it('stops waiting when aborted', async () => {
    const { client } = await berth();
    const c = client();
    const session = await c.session({ backend: 'berth_manila' });
    const jobs = await Promise.all([1, 2].map(() => session.run('sampler', bellParams(4000))));
    const last = jobs[1] as Job;
    for (const events of [true, false]) {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      await expect(last.wait({ signal: controller.signal, events })).rejects.toMatchObject({
        name: 'AbortError',
      });
    }
    await session.cancel();
  });
});

describe('retries', () => {
  it('retries a GET after a 503 (honouring Retry-After) and after a dropped connection', async () => {
    const { url } = await berth();
    const proxy = await startProxy(url, (_r, i) =>
      i === 0 ? { status: 503, headers: { 'retry-after': '1' } } : i === 1 ? 'destroy' : 'forward',
    );
    const c = new BerthClient({ url: proxy.url, token: ADMIN_KEY });
    const t0 = Date.now();
    expect((await c.backends.list()).length).toBe(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(proxy.seen.map((r) => pathOf(r))).toEqual([
      '/api/v1/backends',
      '/api/v1/backends',
      '/api/v1/backends',
    ]);
  });

  it('gives up after `retries` attempts, and never retries a 501 or a 4xx', async () => {
    const { url } = await berth();
    const proxy = await startProxy(url, (r) =>
      pathOf(r) === '/api/v1/backends'
        ? { status: 502, body: { trace: 't', errors: [{ code: 'bad_gateway', message: 'no' }] } }
        : pathOf(r) === '/api/v1/versions'
          ? { status: 501 }
          : 'forward',
    );
    const c = new BerthClient({
      url: proxy.url,
      token: ADMIN_KEY,
      retries: 2,
      backoff: { baseMs: 10 },
    });
    await expect(c.backends.list()).rejects.toMatchObject({ status: 502, code: 'bad_gateway' });
    await expect(c.versions()).rejects.toMatchObject({ status: 501, code: 'http_501' });
    await expect(c.jobs.get('nope')).rejects.toMatchObject({ status: 404 });
    const count = (p: string) => proxy.seen.filter((r) => pathOf(r) === p).length;
    expect(count('/api/v1/backends')).toBe(3);
    expect(count('/api/v1/versions')).toBe(1);
    expect(count('/api/v1/jobs/nope')).toBe(1);
    const none = new BerthClient({ url: proxy.url, token: ADMIN_KEY, retries: 0 });
    await expect(none.backends.list()).rejects.toMatchObject({ status: 502 });
    expect(count('/api/v1/backends')).toBe(4);
  });

  it('retries the idempotent PATCH and DELETE on a 502', async () => {
    const { client, url } = await berth();
    const session = await client().session({ backend: 'berth_sim' });
    const failed = new Set<string>();
    const proxy = await startProxy(url, (r) => {
      const key = `${r.method} ${pathOf(r)}`;
      if (r.method === 'GET' || failed.has(key)) return 'forward';
      failed.add(key);
      return { status: 502 };
    });
    const c = new BerthClient({ url: proxy.url, token: ADMIN_KEY, backoff: { baseMs: 10 } });
    await c.sessions.close(session.id);
    await c.sessions.cancel(session.id);
    expect(proxy.seen.map((r) => `${r.method} ${pathOf(r)}`)).toEqual([
      `PATCH /api/v1/sessions/${session.id}`,
      `PATCH /api/v1/sessions/${session.id}`,
      `DELETE /api/v1/sessions/${session.id}/close`,
      `DELETE /api/v1/sessions/${session.id}/close`,
    ]);
  });

  it('retries a POST only after a 503 or a refused connection, never after a 500 or a drop', async () => {
    const { url, client } = await berth();
    const body = { programId: 'sampler', backend: 'berth_sim', params: bellParams(10) } as const;

    // 503 once: the job is submitted (once).
    const p503 = await startProxy(url, (r, i) => (i === 0 ? { status: 503 } : 'forward'));
    const c503 = new BerthClient({ url: p503.url, token: ADMIN_KEY, backoff: { baseMs: 10 } });
    const job = await c503.jobs.submit(body);
    expect(p503.seen.map((r) => `${r.method} ${pathOf(r)}`)).toEqual([
      'POST /api/v1/jobs',
      'POST /api/v1/jobs',
    ]);
    expect((await client().jobs.list()).count).toBe(1);
    await job.wait();

    // 500: not retried (the server may have committed it).
    const p500 = await startProxy(url, () => ({
      status: 500,
      body: { trace: 't', errors: [{ code: 'internal_error', message: 'Internal error' }] },
    }));
    const c500 = new BerthClient({ url: p500.url, token: ADMIN_KEY, backoff: { baseMs: 10 } });
    await expect(c500.jobs.submit(body)).rejects.toMatchObject({
      status: 500,
      code: 'internal_error',
    });
    await expect(c500.jobs.cancel(job.id)).rejects.toMatchObject({ status: 500 });
    expect(p500.seen.length).toBe(2);

    // A connection dropped after sending: not retried either.
    const pDrop = await startProxy(url, () => 'destroy');
    const cDrop = new BerthClient({ url: pDrop.url, token: ADMIN_KEY, backoff: { baseMs: 10 } });
    await expect(cDrop.jobs.submit(body)).rejects.toMatchObject({
      status: 0,
      code: 'connection_error',
    });
    expect(pDrop.seen.length).toBe(1);

    // Refused: nothing was sent, so it is retried until the server is there.
    const port = await freePort();
    const cRefused = new BerthClient({ url: `http://127.0.0.1:${port}`, token: ADMIN_KEY });
    const late = new Promise<void>((resolve) =>
      setTimeout(() => void startProxy(url, undefined, port).then(() => resolve()), 300),
    );
    const submitted = await cRefused.jobs.submit(body);
    await late;
    expect((await submitted.wait()).status).toBe('Completed');
    expect((await client().jobs.list()).count).toBe(2);
  });
});
