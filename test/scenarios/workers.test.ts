/**
 * Remote workers over HTTP (docs/workers.md), on both stores: worker keys, lease (long poll),
 * heartbeat, logs, settle; cancel reaching the worker; a lost lease refusing the late worker and
 * running the job again elsewhere; session rules holding across workers.
 */
import { describe, expect, it } from 'vitest';
import { type Api, testRuntime } from '../helpers/test-runtime.js';

const FILE = {
  backends: [
    { name: 'lab', lanes: 1, qubits: 5, executor: 'external' },
    { name: 'berth_sim', lanes: 2, qubits: 10 },
  ],
};
const QASM = 'OPENQASM 3.0; qubit q; bit c; c = measure q;';
const job = (extra: Record<string, unknown> = {}) => ({
  backend: 'lab',
  program_id: 'sampler',
  params: { pubs: [[QASM, null, 10]] },
  ...extra,
});

async function setup() {
  const t = await testRuntime({ file: FILE });
  const made = await t.api('POST', '/admin/keys', { name: 'lab-worker', worker_backends: ['lab'] });
  expect(made.status).toBe(201);
  expect(made.body.worker_backends).toEqual(['lab']);
  const key = made.body.key as string;
  const as =
    (k: string): Api =>
    (method, url, body, headers = {}) =>
      t.api(method, url, body, { authorization: `Bearer ${k}`, ...headers });
  return { ...t, worker: as(key), keyId: made.body.id as string };
}

const text = async (api: Api, url: string) => (await api('GET', url)).text;

describe('remote workers', () => {
  it('keeps worker keys to the worker routes and worker routes to worker keys', async () => {
    const { api, worker } = await setup();
    const wrong = await api('POST', '/admin/keys', { name: 'x', worker_backends: ['berth_sim'] });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0].message).toMatch(
      /berth_sim is not an external backend; the external backends are: lab/,
    );
    expect((await worker('GET', '/api/v1/jobs')).status).toBe(403);
    expect((await worker('POST', '/api/v1/jobs', job())).status).toBe(403);
    expect(
      (
        await api('POST', '/api/v1/workers/lease', {
          backend: 'lab',
          worker: 'w1',
          wait_seconds: 0,
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await worker('POST', '/api/v1/workers/lease', {
          backend: 'berth_sim',
          worker: 'w1',
          wait_seconds: 0,
        })
      ).status,
    ).toBe(403);
  });

  it('leases, heartbeats, logs and settles a job, with its usage and result as for any job', async () => {
    const { api, worker, keyId } = await setup();
    expect(
      (
        await worker('POST', '/api/v1/workers/lease', {
          backend: 'lab',
          worker: 'w1',
          wait_seconds: 0,
        })
      ).status,
    ).toBe(204);
    const id = (await api('POST', '/api/v1/jobs', job())).body.id as string;
    const lease = await worker('POST', '/api/v1/workers/lease', {
      backend: 'lab',
      worker: 'w1',
      wait_seconds: 0,
    });
    expect(lease.status).toBe(200);
    expect(lease.body).toMatchObject({
      id,
      program_id: 'sampler',
      backend: 'lab',
      attempt: 1,
      params: { pubs: [[QASM, null, 10]] },
    });
    expect((await api('GET', `/api/v1/jobs/${id}`)).body.status).toBe('Running');
    const hb = await worker('POST', `/api/v1/workers/jobs/${id}/heartbeat`, {
      worker: 'w1',
      attempt: 1,
    });
    expect(hb.body).toMatchObject({ cancel_requested: false });
    expect(
      (
        await worker('POST', `/api/v1/workers/jobs/${id}/logs`, {
          worker: 'w1',
          attempt: 1,
          lines: ['calibrating', 'running'],
        })
      ).status,
    ).toBe(204);
    const done = await worker('POST', `/api/v1/workers/jobs/${id}/result`, {
      worker: 'w1',
      attempt: 1,
      status: 'completed',
      result: { counts: { '0': 10 } },
      logs: ['done'],
    });
    expect(done.body).toEqual({ id, status: 'Completed' });
    expect(JSON.parse((await api('GET', `/api/v1/jobs/${id}/results`)).text)).toEqual({
      counts: { '0': 10 },
    });
    expect(await text(api, `/api/v1/jobs/${id}/logs`)).toMatch(
      /calibrating[\s\S]*running[\s\S]*done/,
    );
    const stored = await api('GET', `/api/v1/jobs/${id}`);
    expect(stored.body.status).toBe('Completed');
    // A second settle of the same run changes nothing.
    const again = await worker('POST', `/api/v1/workers/jobs/${id}/result`, {
      worker: 'w1',
      attempt: 1,
      status: 'failed',
      reason: 'late',
    });
    expect(again.body.status).toBe('Completed');
    expect(keyId).toBeTruthy();
  });

  it('wakes a waiting lease request when a job is submitted', async () => {
    const { api, worker } = await setup();
    const t0 = performance.now();
    const waiting = worker('POST', '/api/v1/workers/lease', {
      backend: 'lab',
      worker: 'w1',
      wait_seconds: 10,
    });
    await new Promise((r) => setTimeout(r, 50));
    const id = (await api('POST', '/api/v1/jobs', job())).body.id as string;
    const lease = await waiting;
    expect(lease.body.id).toBe(id);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('tells the worker of a cancel at its heartbeat, and ends the job when it stops', async () => {
    const { api, worker } = await setup();
    const id = (await api('POST', '/api/v1/jobs', job())).body.id as string;
    await worker('POST', '/api/v1/workers/lease', {
      backend: 'lab',
      worker: 'w1',
      wait_seconds: 0,
    });
    expect((await api('POST', `/api/v1/jobs/${id}/cancel`)).status).toBe(204);
    expect((await api('GET', `/api/v1/jobs/${id}`)).body.status).toBe('Running');
    const hb = await worker('POST', `/api/v1/workers/jobs/${id}/heartbeat`, {
      worker: 'w1',
      attempt: 1,
    });
    expect(hb.body.cancel_requested).toBe(true);
    const r = await worker('POST', `/api/v1/workers/jobs/${id}/result`, {
      worker: 'w1',
      attempt: 1,
      status: 'cancelled',
    });
    expect(r.body.status).toBe('Cancelled');
  });

  it('gives a job whose worker went silent to the next worker, refusing the late one', async () => {
    const { api, worker, advance } = await setup();
    const id = (await api('POST', '/api/v1/jobs', job())).body.id as string;
    await worker('POST', '/api/v1/workers/lease', {
      backend: 'lab',
      worker: 'w1',
      wait_seconds: 0,
    });
    await advance(31); // past the 30 s lease with no heartbeat
    const late = await worker('POST', `/api/v1/workers/jobs/${id}/heartbeat`, {
      worker: 'w1',
      attempt: 1,
    });
    expect(late.status).toBe(409);
    expect(late.body.errors[0].code).toBe('lease_lost');
    const next = await worker('POST', '/api/v1/workers/lease', {
      backend: 'lab',
      worker: 'w2',
      wait_seconds: 0,
    });
    expect(next.body).toMatchObject({ id, attempt: 2 });
    const refused = await worker('POST', `/api/v1/workers/jobs/${id}/result`, {
      worker: 'w1',
      attempt: 1,
      status: 'completed',
      result: { from: 'w1' },
    });
    expect(refused.status).toBe(409);
    const ok = await worker('POST', `/api/v1/workers/jobs/${id}/result`, {
      worker: 'w2',
      attempt: 2,
      status: 'completed',
      result: { from: 'w2' },
    });
    expect(ok.body.status).toBe('Completed');
    expect(JSON.parse((await api('GET', `/api/v1/jobs/${id}/results`)).text)).toEqual({
      from: 'w2',
    });
  });

  it('fails a job whose worker was lost after it began real work', async () => {
    const { api, worker, advance } = await setup();
    const id = (await api('POST', '/api/v1/jobs', job())).body.id as string;
    await worker('POST', '/api/v1/workers/lease', {
      backend: 'lab',
      worker: 'w1',
      wait_seconds: 0,
    });
    await worker('POST', `/api/v1/workers/jobs/${id}/heartbeat`, {
      worker: 'w1',
      attempt: 1,
      work_started: true,
    });
    await advance(31);
    const j = (await api('GET', `/api/v1/jobs/${id}`)).body;
    expect(j.status).toBe('Failed');
    expect(j.state.reason).toBe('The worker was lost after it had started work on the device');
  });

  it('holds the lanes for a dedicated session across workers', async () => {
    const { api, worker } = await setup();
    const plain = (await api('POST', '/api/v1/jobs', job())).body.id as string;
    const session = (await api('POST', '/api/v1/sessions', { backend: 'lab', mode: 'dedicated' }))
      .body.id as string;
    const first = (
      await worker('POST', '/api/v1/workers/lease', {
        backend: 'lab',
        worker: 'w1',
        wait_seconds: 0,
      })
    ).body;
    expect(first.id).toBe(plain); // the session has no job yet: the normal queue runs
    const s1 = (await api('POST', '/api/v1/jobs', job({ session_id: session }))).body.id as string;
    const s2 = (await api('POST', '/api/v1/jobs', job({ session_id: session }))).body.id as string;
    const plain2 = (await api('POST', '/api/v1/jobs', job())).body.id as string;
    // One lane, taken: the second worker waits.
    expect(
      (
        await worker('POST', '/api/v1/workers/lease', {
          backend: 'lab',
          worker: 'w2',
          wait_seconds: 0,
        })
      ).status,
    ).toBe(204);
    await worker('POST', `/api/v1/workers/jobs/${plain}/result`, {
      worker: 'w1',
      attempt: 1,
      status: 'completed',
      result: {},
    });
    const a = (
      await worker('POST', '/api/v1/workers/lease', {
        backend: 'lab',
        worker: 'w2',
        wait_seconds: 0,
      })
    ).body;
    expect(a.id).toBe(s1);
    await worker('POST', `/api/v1/workers/jobs/${s1}/result`, {
      worker: 'w2',
      attempt: 1,
      status: 'completed',
      result: {},
    });
    // The session is active and owns the backend: its next job goes before the older plain one.
    const b = (
      await worker('POST', '/api/v1/workers/lease', {
        backend: 'lab',
        worker: 'w1',
        wait_seconds: 0,
      })
    ).body;
    expect(b.id).toBe(s2);
    expect((await api('GET', `/api/v1/sessions/${session}`)).body.state).toBe('active');
    expect((await api('GET', `/api/v1/jobs/${plain2}`)).body.status).toBe('Queued');
  });
});
