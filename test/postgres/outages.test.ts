/**
 * The database going away under a running Berth: a node's connections cut by
 * pg_terminate_backend, and PostgreSQL itself restarted under load (its own server here, so the
 * other suites keep theirs). Requests meanwhile get a 503 in the IBM error shape, never a 500;
 * the node comes back by itself; every accepted job ends in exactly one final state.
 */
import pg from 'pg';
import { expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../helpers/embedded-postgres.js';
import { postgresUrl, testPgVersion } from '../helpers/postgres.js';
import { call, startServer } from '../helpers/spawn-server.js';
import { testDatabase, testRuntime } from '../helpers/test-runtime.js';
import { until } from '../helpers/until.js';

const JOB = {
  backend: 'berth_sim',
  program_id: 'sampler',
  params: { pubs: [['OPENQASM 3.0; qubit q; bit c; h q; c = measure q;', null, 16]] },
};
const FINAL = new Set(['Completed', 'Failed', 'Cancelled']);

it("recovers when a node's database connections are cut (pg_terminate_backend)", async () => {
  const db = await testDatabase();
  // One backend: the node started first schedules it, and keeps it (its share).
  const file = { backends: [{ name: 'berth_sim', lanes: 4, qubits: 4 }] };
  const a = await testRuntime({
    file,
    env: { BERTH_DB: db, BERTH_NODE_ID: 'cut-node' },
    realTime: true,
    executor: 'auto',
  });
  const b = await testRuntime({
    file,
    env: { BERTH_DB: db, BERTH_NODE_ID: 'other-node' },
    realTime: true,
    executor: 'auto',
  });
  expect(a.rt.scheduler.ownedBackends).toEqual(['berth_sim']);
  const first = (await a.api('POST', '/api/v1/jobs', JOB)).body.id as string;
  await until(
    'the first job',
    async () => (await a.api('GET', `/api/v1/jobs/${first}`)).body.status === 'Completed',
  );

  const admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  const cut = await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'berth:cut-node'`,
  );
  await admin.end();
  expect(cut.rowCount).toBeGreaterThan(0);
  const cutAt = Date.now();

  // Meanwhile every answer is a success or a 503 that says what happened.
  const statuses = new Set<number>();
  for (let i = 0; i < 20; i++) {
    const r = await a.api('GET', `/api/v1/jobs/${first}`);
    statuses.add(r.status);
    if (r.status === 503) expect(r.body.errors[0].code).toBe('database_unavailable');
  }
  expect([...statuses].every((s) => s === 200 || s === 503)).toBe(true);
  await until(
    'the node to be ready again',
    async () => (await a.api('GET', '/ready')).status === 200,
  );
  expect(Date.now() - cutAt).toBeLessThan(5000);

  // Its LISTEN is back: a job submitted on the other node starts on it at once.
  const second = (await b.api('POST', '/api/v1/jobs', JOB)).body.id as string;
  await until(
    'the second job',
    async () => (await b.api('GET', `/api/v1/jobs/${second}`)).body.status === 'Completed',
    5000,
  );
  expect((await a.rt.store.getJob(second))?.workerId).toBe('cut-node');
});

it('keeps every accepted job through a PostgreSQL restart under load', async () => {
  const server = await startEmbeddedPostgres(testPgVersion());
  const KEY = 'restart-admin-key-0123';
  const berth = await startServer({
    BERTH_API_KEY: KEY,
    BERTH_DB: server.url,
    BERTH_RATE_LIMIT: '0', // the load is three clients as fast as they can
  });
  try {
    const accepted: string[] = [];
    const refused: { status: number; code: string }[] = [];
    let load = true;
    const client = async (): Promise<void> => {
      while (load) {
        const r = await call(berth.url, KEY, 'POST', '/api/v1/jobs', JOB).catch(() => null);
        if (!r) continue;
        if (r.status === 200) accepted.push(r.body.id as string);
        else refused.push({ status: r.status, code: r.body?.errors?.[0]?.code });
      }
    };
    // A batch session (a dedicated one would hold the backend from the load) with a job before
    // the restart and one after it.
    const session = (
      await call(berth.url, KEY, 'POST', '/api/v1/sessions', {
        backend: 'berth_sim',
        mode: 'batch',
      })
    ).body.id as string;
    const inSession = async (): Promise<string> =>
      (await call(berth.url, KEY, 'POST', '/api/v1/jobs', { ...JOB, session_id: session })).body
        .id as string;
    const sessionJobs = [await inSession()];
    const clients = [client(), client(), client()];
    await until('some accepted jobs', async () => accepted.length >= 20);
    await server.stop();
    await new Promise((r) => setTimeout(r, 1000));
    await server.start();
    const backAt = Date.now();
    await until(
      'Berth to be ready again',
      async () => (await fetch(`${berth.url}/ready`)).status === 200,
    );
    expect(Date.now() - backAt).toBeLessThan(5000);
    sessionJobs.push(await inSession());
    accepted.push(...sessionJobs);
    const before = accepted.length;
    await until('jobs accepted after the restart', async () => accepted.length >= before + 20);
    load = false;
    await Promise.all(clients);

    expect(refused.length).toBeGreaterThan(0); // the outage was seen…
    for (const r of refused) expect(r).toEqual({ status: 503, code: 'database_unavailable' }); // …as 503s
    for (const id of accepted) {
      const job = await until(
        `job ${id} to end`,
        async () => {
          const r = await call(berth.url, KEY, 'GET', `/api/v1/jobs/${id}`);
          return FINAL.has(r.body.status) ? r.body : null;
        },
        30_000,
      );
      expect(job.status).toBe('Completed');
    }
    // The session's timestamps are in order across the outage.
    expect((await call(berth.url, KEY, 'DELETE', `/api/v1/sessions/${session}/close`)).status).toBe(
      204,
    );
    const s = (await call(berth.url, KEY, 'GET', `/api/v1/sessions/${session}`)).body;
    const stamps = (s.timestamps as { status: string; timestamp: string }[]).map((t) =>
      Date.parse(t.timestamp),
    );
    const states = s.timestamps.map((t: { status: string }) => t.status);
    expect(states[0]).toBe('open');
    expect(states).toContain('active');
    expect(states.at(-1)).toBe('closed');
    for (let i = 1; i < stamps.length; i++)
      expect(stamps[i]).toBeGreaterThanOrEqual(stamps[i - 1] as number);
  } finally {
    berth.child.kill('SIGTERM');
    await berth.exited;
    await server.remove();
  }
}, 120_000);
