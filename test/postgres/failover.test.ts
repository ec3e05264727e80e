/**
 * kill -9 the node that schedules a backend, during an active dedicated session with queued jobs,
 * with real `berth serve` processes on one PostgreSQL. The other node takes the backend over,
 * and the job the dead node was running, within 5 s (membership, not the 30-s job lease); every
 * job ends Completed exactly once; the session's timestamps stay ordered; the surviving node
 * answers throughout. And a second process with a live node's id refuses to start.
 */
import { expect, it } from 'vitest';
import { testDatabase } from '../helpers/test-runtime.js';
import { call, startServer, tempDir, writeConfig } from '../helpers/spawn-server.js';
import { until } from '../helpers/until.js';

const KEY = 'failover-admin-key-0123';
const QASM = 'OPENQASM 3.0; qubit q; bit c; c = measure q;';

/**
 * A circuit whose simulation takes seconds (2^d copies of a layer on n qubits, through nested
 * gate definitions): a job that is still running in-process when its node is killed.
 */
function slowCircuit(n: number, d: number): string {
  const args = Array.from({ length: n }, (_, i) => `a${i}`);
  const layer = [
    ...args.map((a) => `h ${a}; rz(0.3) ${a};`),
    ...args.slice(1).map((a, i) => `cx a${i}, ${a};`),
  ].join(' ');
  const defs = [`gate g0 ${args.join(',')} { ${layer} }`];
  for (let i = 1; i <= d; i++)
    defs.push(
      `gate g${i} ${args.join(',')} { g${i - 1} ${args.join(',')}; g${i - 1} ${args.join(',')}; }`,
    );
  const qubits = args.map((_, i) => `q[${i}]`).join(',');
  return `OPENQASM 3.0; include "stdgates.inc"; qubit[${n}] q; bit[${n}] c; ${defs.join(' ')} g${d} ${qubits}; c = measure q;`;
}

it('hands a backend to the surviving node when its node is killed mid-session', async () => {
  const db = await testDatabase();
  // One lane, and each job holds it 1.5 s (modeled time): the session is mid-way when killed,
  // with its second job still simulating (seconds of work) on the node that dies.
  const config = writeConfig(tempDir(), {
    backends: [{ name: 'slow', lanes: 1, qubits: 18, model: { jobOverheadMs: 1500 } }],
  });
  // The default 30-s job lease: the dead node's run must not wait for it.
  const env = { BERTH_API_KEY: KEY, BERTH_DB: db, BERTH_CONFIG: config };
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
      params: { pubs: [[i === 1 ? slowCircuit(18, 9) : QASM, null, 16]] },
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
  expect(owned - killedAt).toBeLessThan(5000);
  // The run the dead node held starts again on node-b within 5 s, not at its lease's end.
  const rerun = await until(
    `job ${jobs[1]} to run again on node-b`,
    async () => {
      const logs = await (
        await fetch(`${b.url}/api/v1/jobs/${jobs[1]}/logs`, {
          headers: { authorization: `Bearer ${KEY}` },
        })
      ).text();
      return logs.includes('Running the job again') ? Date.now() : null;
    },
    10_000,
  );
  expect(rerun - killedAt).toBeLessThan(5000);
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
  // Ran once each, but for the one the dead node was running: run again once, and its log says
  // why.
  const attempts = await Promise.all(
    jobs.map(async (id) =>
      (
        await fetch(`${b.url}/api/v1/jobs/${id}/logs`, {
          headers: { authorization: `Bearer ${KEY}` },
        })
      ).text(),
    ),
  );
  expect(attempts.join('\n').match(/Running the job again/g)).toHaveLength(1);
  expect(attempts[1]).toMatch(
    /Running the job again \(execution 2 of 2\): node node-a stopped heartbeating while running it/,
  );
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

it('refuses to start a second process with the id of a live node, and says what to set', async () => {
  const db = await testDatabase();
  const env = { BERTH_API_KEY: KEY, BERTH_DB: db };
  const first = await startServer({ ...env, BERTH_NODE_ID: 'lab-node' });
  const second = await startServer({ ...env, BERTH_NODE_ID: 'lab-node' }).catch((e: Error) => e);
  expect(second).toBeInstanceOf(Error);
  expect((second as Error).message).toMatch(
    /Node id lab-node is in use by a live node .*Give each node its own BERTH_NODE_ID/,
  );
  // The first one is untouched; once it is gone (killed: its row stays), its id may be used.
  expect((await call(first.url, KEY, 'GET', '/ready')).status).toBe(200);
  first.child.kill('SIGKILL');
  await first.exited;
  const again = await startServer({ ...env, BERTH_NODE_ID: 'lab-node' });
  expect((await call(again.url, KEY, 'GET', '/ready')).status).toBe(200);
  again.child.kill('SIGTERM');
  await again.exited;
}, 60_000);
