/**
 * kill -9 the node that schedules a backend, during an active dedicated session with queued jobs,
 * with real `berth serve` processes on one PostgreSQL. The other node takes the backend over
 * within seconds; every job ends Completed exactly once; the session's timestamps stay ordered;
 * the surviving node answers throughout.
 */
import { expect, it } from 'vitest';
import { testDatabase } from '../helpers/test-runtime.js';
import { call, startServer, tempDir, writeConfig } from '../helpers/spawn-server.js';
import { until } from '../helpers/until.js';

const KEY = 'failover-admin-key-0123';
const QASM = 'OPENQASM 3.0; qubit q; bit c; c = measure q;';

it('hands a backend to the surviving node when its node is killed mid-session', async () => {
  const db = await testDatabase();
  // One lane, and each job holds it 1.5 s (modeled time): the session is mid-way when killed.
  const config = writeConfig(tempDir(), {
    backends: [{ name: 'slow', lanes: 1, qubits: 5, model: { jobOverheadMs: 1500 } }],
  });
  const env = { BERTH_API_KEY: KEY, BERTH_DB: db, BERTH_CONFIG: config, BERTH_LEASE_MS: '3000' };
  const a = await startServer({ ...env, BERTH_NODE_ID: 'node-a' });
  const b = await startServer({ ...env, BERTH_NODE_ID: 'node-b' });
  const api = (method: string, path: string, body?: unknown) =>
    call(b.url, KEY, method, path, body);
  const nodes = (await api('GET', '/api/v1/nodes')).body.nodes as {
    id: string;
    backends: string[];
  }[];
  expect(nodes.find((n) => n.id === 'node-a')?.backends).toEqual(['slow']);

  const session = (await api('POST', '/api/v1/sessions', { backend: 'slow', mode: 'dedicated' }))
    .body.id as string;
  const jobs: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await api('POST', '/api/v1/jobs', {
      backend: 'slow',
      session_id: session,
      program_id: 'sampler',
      params: { pubs: [[QASM, null, 16]] },
    });
    expect(r.status).toBe(200);
    jobs.push(r.body.id as string);
  }
  await until(
    'the second job to start',
    async () => (await api('GET', `/api/v1/jobs/${jobs[1]}`)).body.status === 'Running',
  );
  a.child.kill('SIGKILL');
  const killedAt = Date.now();
  await a.exited;

  // The survivor answers at once, and takes the backend over within seconds.
  expect((await api('GET', `/api/v1/sessions/${session}`)).status).toBe(200);
  const owned = await until('node-b to schedule the backend', async () => {
    const list = (await api('GET', '/api/v1/nodes')).body.nodes as {
      id: string;
      backends: string[];
    }[];
    return list.find((n) => n.id === 'node-b')?.backends.includes('slow') ? Date.now() : null;
  });
  expect(owned - killedAt).toBeLessThan(6000);
  for (const id of jobs)
    await until(
      `job ${id} to complete`,
      async () => (await api('GET', `/api/v1/jobs/${id}`)).body.status === 'Completed',
      30_000,
    );

  const finals = await Promise.all(
    jobs.map(async (id) => (await api('GET', `/api/v1/jobs/${id}`)).body),
  );
  const starts = finals.map((j) => Date.parse(j.started));
  expect(finals.every((j) => j.status === 'Completed')).toBe(true);
  // One lane: each job started after the one before it.
  for (let i = 1; i < starts.length; i++)
    expect(starts[i]).toBeGreaterThanOrEqual(starts[i - 1] as number);
  // Ran once each, but for the one the dead node was running: re-run once (its lease ran out).
  const attempts = await Promise.all(
    jobs.map(async (id) =>
      (
        await fetch(`${b.url}/api/v1/jobs/${id}/logs`, {
          headers: { authorization: `Bearer ${KEY}` },
        })
      ).text(),
    ),
  );
  expect(attempts.join('\n').match(/Running the job again/g)?.length ?? 0).toBeLessThanOrEqual(1);
  const closed = await api('DELETE', `/api/v1/sessions/${session}/close`);
  expect(closed.status).toBe(204);
  const s = (await api('GET', `/api/v1/sessions/${session}`)).body;
  expect(s.state).toBe('closed');
  const stamps = (s.timestamps as { status: string; timestamp: string }[]).map(
    (t) => [t.status, Date.parse(t.timestamp)] as const,
  );
  expect(stamps.map(([st]) => st)).toEqual(['open', 'active', 'closed']);
  for (let i = 1; i < stamps.length; i++)
    expect(stamps[i]?.[1]).toBeGreaterThanOrEqual(stamps[i - 1]?.[1] as number);
  b.child.kill('SIGTERM');
  await b.exited;
}, 90_000);
